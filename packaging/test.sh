#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds IOLab and runs the whole test suite: the sanitizer build of the unit
# tests (AddressSanitizer + UndefinedBehaviorSanitizer), the fuzz targets for a
# bounded time (clang), then the full suite of the warnings-as-errors build,
# whose ctest summary ends the output.
#   packaging/test.sh            everything
#   packaging/test.sh --quick    only the main build's suite
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=0
for argument in "$@"; do
  case "$argument" in
    --quick) quick=1 ;;
    -h|--help) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

bash packaging/deps.sh test

jobs=$(nproc)
step() { printf '\n==> %s\n' "$*"; }

configure() {
  local preset=$1
  if [ ! -f "build/$preset/build.ninja" ]; then
    cmake --preset "$preset" >/dev/null
  fi
}

if [ "$quick" -eq 0 ]; then
  step "AddressSanitizer + UBSan build of the unit tests"
  configure asan
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs" --timeout 300 | tail -n 3

  if command -v clang++ >/dev/null 2>&1; then
    step "fuzz targets (clang, bounded time)"
    configure fuzz
    cmake --build --preset fuzz -j "$jobs"
    (cd build/fuzz && ctest -L fuzz --output-on-failure --timeout 600 | tail -n 3)
  fi
fi

step "build (warnings are errors) and the whole test suite"
configure ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs" --timeout 600 --label-exclude fuzz
