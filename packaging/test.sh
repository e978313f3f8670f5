#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds IOLab and runs the whole test suite: the unit tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threading tests under
# ThreadSanitizer, the fuzz targets for a bounded time (clang), then the full
# suite of the warnings-as-errors build, whose ctest summary ends the output.
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

# A sanitizer or fuzz stage prints its own summary; its failure stops the run.
run_stage() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    echo "stage failed: $*" >&2
    exit 1
  fi
  grep -E 'tests passed|tests failed|Total Test time' "$log" || true
  rm -f "$log"
}

if [ "$quick" -eq 0 ]; then
  step "AddressSanitizer + UBSan: unit tests"
  configure asan
  cmake --build --preset asan -j "$jobs"
  run_stage ctest --preset asan -j "$jobs" --timeout 600 --output-on-failure

  step "ThreadSanitizer: threading tests"
  configure tsan
  cmake --build --preset tsan -j "$jobs" --target iolab_unit_libkern iolab_unit_registry iolab_unit_matching \
    iolab_unit_workloop iolab_unit_trace iolab_unit_client
  run_stage ctest --test-dir build/tsan -L threading -j "$jobs" --timeout 900 --output-on-failure

  if command -v clang++ >/dev/null 2>&1; then
    step "fuzz targets (clang, bounded time)"
    configure fuzz
    cmake --build --preset fuzz -j "$jobs" --target fuzz_plist_xml fuzz_plist_binary fuzz_serialize_binary
    run_stage ctest --test-dir build/fuzz -L fuzz --timeout 600 --output-on-failure
  fi
fi

step "build (warnings are errors) and the whole test suite"
configure ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs" --timeout 900 --label-exclude fuzz
