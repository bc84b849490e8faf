#!/bin/sh
# install_test.sh CMAKE BUILD_DIR — `cmake --install` into a temporary
# prefix, then the installed tfsim, run from another working directory,
# finds its installed presets (not the source tree's): list archs names
# the installed folder, validate --suite dram passes, run --arch ideal
# works; the prefix still works once moved (the lookup follows the
# executable); TFSIM_DATA_DIR overrides it.  Exits non-zero naming what
# failed.
set -eu
cmake=$1
build=$2
tmp=$(mktemp -d /tmp/tfsim-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$tmp/p" >"$tmp/install.log" ||
  fail "cmake --install failed: $(tail -n 3 "$tmp/install.log")"
for f in bin/tfsim share/tfsim/configs/ideal.yaml \
         share/tfsim/configs/ddr4-3200-8gb-x8-1ch1r.yaml \
         share/doc/tfsim/README.md share/doc/tfsim/dram.md; do
  [ -e "$tmp/p/$f" ] || fail "$f not installed"
done
unset TFSIM_ARCH_DIR TFSIM_DATA_DIR || true
mkdir "$tmp/wd"
cd "$tmp/wd"

run_ok() { # run_ok PREFIX ARGS...: the installed tfsim must exit 0
  p=$1
  shift
  "$p/bin/tfsim" "$@" >"$tmp/out" 2>"$tmp/err" ||
    fail "$p/bin/tfsim $*: exit $?: $(head -n 3 "$tmp/err")"
}

run_ok "$tmp/p" list archs
grep -q "presets folder: $tmp/p/share/tfsim/configs\$" "$tmp/out" ||
  fail "list archs not on the installed presets: $(grep folder "$tmp/out")"
run_ok "$tmp/p" validate --suite dram
grep -q " 0 miss" "$tmp/out" || fail "validate: $(tail -n 1 "$tmp/out")"
run_ok "$tmp/p" run --arch ideal --model gpt2 --json
grep -q '"cycles"' "$tmp/out" || fail "run printed no cycles"

# Moved as a whole, it still finds its own presets.
mv "$tmp/p" "$tmp/q"
run_ok "$tmp/q" list archs
grep -q "presets folder: $tmp/q/share/tfsim/configs\$" "$tmp/out" ||
  fail "moved prefix: $(grep folder "$tmp/out")"
run_ok "$tmp/q" run --arch ideal-a100 --model gpt2 --seq 8

# TFSIM_DATA_DIR overrides the lookup.
mkdir -p "$tmp/data/configs"
if TFSIM_DATA_DIR="$tmp/data" "$tmp/q/bin/tfsim" run --arch ideal \
     --model gpt2 >"$tmp/out" 2>"$tmp/err"; then
  fail "TFSIM_DATA_DIR with no presets: run --arch ideal still worked"
fi
grep -q "$tmp/data/configs" "$tmp/err" ||
  fail "TFSIM_DATA_DIR: $(cat "$tmp/err")"
echo "install_test: ok"
