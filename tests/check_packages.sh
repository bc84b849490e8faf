#!/bin/sh
# check_packages.sh — the README's Quick start installs the same Debian
# packages as .ci/run, and both include what the build itself needs
# (cmake's Unix Makefiles generator runs `make`, which a minimal Debian
# image lacks).  Run from the repository root; exits 1 naming the gap.
set -eu
readme=$(sed -n 's/.*apt-get install -y \([^'"'"']*\).*/\1/p' README.md |
         head -n 1)
ci=$(sed -n '/^pkgs=(/,/)/p' .ci/run | tr -d '()' | sed 's/^pkgs=//' |
     tr '\n' ' ')
norm() { printf '%s\n' $1 | sort; }
if [ "$(norm "$readme")" != "$(norm "$ci")" ]; then
  echo "README.md Quick start and .ci/run list different packages:"
  echo "  README: $readme"
  echo "  .ci/run: $ci"
  exit 1
fi
for p in cmake make gcc pkg-config libsqlite3-dev libcunit1-dev \
         libcyaml-dev libjansson-dev gnuplot-nox; do
  norm "$readme" | grep -qx "$p" ||
    { echo "README.md: package $p missing"; exit 1; }
done
echo "package lists agree: $(norm "$readme" | tr '\n' ' ')"
