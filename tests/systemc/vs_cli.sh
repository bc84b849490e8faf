#!/bin/sh
# vs_cli.sh TFSIM REPLAY DIR — the example SystemC initiator
# (tfsim_trace_replay) finishes at the cycle `tfsim trace` prints, on the
# DDR4 and HBM2 presets, for the same generated trace.  Exits non-zero
# naming the preset and both figures.
set -eu
tfsim=$1
replay=$2
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/tfsim-sc-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sh "$here/gen_trace.sh" 4000 "$tmp/t.trace"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
for a in ddr4-3200-8gb-x8-1ch1r hbm2-8gb-x128-1ch; do
  c1=$("$tfsim" trace --arch "$a" --trace "$tmp/t.trace" |
       awk '$1 == "cycles" { print $2; exit }')
  c2=$("$replay" "$a" "$tmp/t.trace" | awk '$1 == "cycles" { print $2 }')
  [ -n "$c1" ] && [ "$c1" = "$c2" ] ||
    { echo "vs_cli: $a: tfsim trace $c1 cycles, SystemC $c2" >&2; exit 1; }
  echo "vs_cli: $a: $c1 cycles both"
done
