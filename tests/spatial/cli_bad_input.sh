#!/bin/sh
# cli_bad_input.sh — `tfsim run` on the spatial class with bad input:
# exit status 2 and one line on stderr naming the key.  Also the
# validation suite's exit status (1: it has documented misses) and that
# `run --help` documents gemm:MxNxK.  Usage: cli_bad_input.sh TFSIM
T="$1"
A=arch/configs/fusemax.yaml
fail=0
check() { # expected-key, then the arguments
  key="$1"; shift
  err=$("$T" run --arch $A --model bert-base --scope attention "$@" 2>&1 >/dev/null)
  rc=$?
  lines=$(printf '%s\n' "$err" | wc -l)
  case "$err" in *"$key"*) ok=1 ;; *) ok=0 ;; esac
  if [ $rc -ne 2 ] || [ $ok -ne 1 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: $* -> rc $rc, '$err' (want 2 and '$key')"; fail=1
  else
    echo "ok: $* -> $err"
  fi
}
check spatial.rows --seq 1000
check spatial.gbuf_bytes --seq 1024 --set spatial.gbuf_bytes=4096
check spatial.exp1d --seq 1024 --set spatial.exp1d=taylor
check spatial.exp2d --seq 1024 --set spatial.exp2d=none
check p1 --seq 1024 --map-opt p1=3
check gemm:MxNxK --model gemm:1x2 --seq 1024
"$T" run --help | grep -q 'gemm:MxNxK' || { echo "FAIL: run --help lacks gemm:MxNxK"; fail=1; }
exit $fail
