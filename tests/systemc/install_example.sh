#!/bin/sh
# install_example.sh CMAKE BUILD_DIR — `cmake --install` into a temporary
# prefix, then the installed SystemC example (share/tfsim/examples/systemc)
# is configured out of tree with find_package(tfsim) and built, and the
# same program is built again with only pkg-config (tfsim-systemc.pc);
# both finish at the installed `tfsim trace`'s cycle on a generated trace.
set -eu
cmake=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/tfsim-sc-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_example: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$tmp/p" >"$tmp/install.log" ||
  fail "cmake --install failed: $(tail -n 3 "$tmp/install.log")"
p=$tmp/p
libdir=$(dirname "$(ls -d "$p"/lib*/cmake/tfsim)")
libdir=$(dirname "$libdir")
for f in "$libdir/libtfsim_systemc.a" "$libdir/libtfsim_arch.a" \
         "$libdir/cmake/tfsim/tfsimConfig.cmake" \
         "$libdir/pkgconfig/tfsim.pc" "$libdir/pkgconfig/tfsim-systemc.pc" \
         "$p/include/tfsim/tfsim_dram_target.h" \
         "$p/include/tfsim/arch/dram/dram.h" "$p/include/tfsim/sim/sim.h" \
         "$p/share/tfsim/examples/systemc/CMakeLists.txt"; do
  [ -e "$f" ] || fail "$f not installed"
done
sh "$here/gen_trace.sh" 2000 "$tmp/t.trace"
arch=$p/share/tfsim/configs/ddr4-3200-8gb-x8-1ch1r.yaml
want=$("$p/bin/tfsim" trace --arch "$arch" --trace "$tmp/t.trace" |
       awk '$1 == "cycles" { print $2; exit }')
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

# 1. CMake: an existing project with find_package(tfsim)
cp -r "$p/share/tfsim/examples/systemc" "$tmp/ex"
"$cmake" -S "$tmp/ex" -B "$tmp/exb" -DCMAKE_PREFIX_PATH="$p" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/cfg.log" 2>&1 ||
  fail "configure with find_package(tfsim): $(tail -n 5 "$tmp/cfg.log")"
"$cmake" --build "$tmp/exb" -j2 >"$tmp/build.log" 2>&1 ||
  fail "build: $(tail -n 5 "$tmp/build.log")"
got=$("$tmp/exb/trace_replay" "$arch" "$tmp/t.trace" |
      awk '$1 == "cycles" { print $2 }')
[ -n "$want" ] && [ "$got" = "$want" ] ||
  fail "find_package build: $got cycles, tfsim trace $want"

# 2. pkg-config only
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs \
        tfsim-systemc) || fail "pkg-config tfsim-systemc failed"
${CXX:-c++} -std=c++17 -O1 "$tmp/ex/trace_replay.cpp" -o "$tmp/pc_replay" \
  $flags >"$tmp/pc.log" 2>&1 || fail "pkg-config build: $(tail -n 5 "$tmp/pc.log")"
got=$("$tmp/pc_replay" "$arch" "$tmp/t.trace" | awk '$1 == "cycles" { print $2 }')
[ "$got" = "$want" ] || fail "pkg-config build: $got cycles, tfsim trace $want"
echo "install_example: ok ($want cycles)"
