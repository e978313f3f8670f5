#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds IOLab and runs it: the headless runtime, printing what it has booted.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash packaging/deps.sh run
if [ ! -f build/dev/build.ninja ]; then
  cmake --preset dev >/dev/null
fi
cmake --build --preset dev -j "$(nproc)" --target iolabd >/dev/null
exec build/dev/app/iolabd/iolabd --print -l "$@"
