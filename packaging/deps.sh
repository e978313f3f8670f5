#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian/Ubuntu packages IOLab needs that are missing, and nothing
# else: a second run installs nothing. Uses sudo when not root.
#   packaging/deps.sh [run|test]   (default: test, which is a superset of run)
set -euo pipefail

purpose=${1:-test}

# What building and running IOLab needs.
run_packages=(
  g++ cmake ninja-build ccache pkg-config git
  libplist-dev libfmt-dev nlohmann-json3-dev libelf-dev libcli11-dev
)
# What the test suite, sanitizers, fuzzers and benchmarks add.
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 libplist-utils
  clang
)
# Optional: used when the distribution has them (names differ between releases).
optional_test_packages=(libclang-rt-dev)

case "$purpose" in
  run) wanted=("${run_packages[@]}"); optional=() ;;
  test) wanted=("${run_packages[@]}" "${test_packages[@]}"); optional=("${optional_test_packages[@]}") ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for package in "${wanted[@]}"; do
  installed "$package" || missing+=("$package")
done
missing_optional=()
for package in "${optional[@]}"; do
  installed "$package" || missing_optional+=("$package")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "iolab: missing packages (${missing[*]} ${missing_optional[*]}) and no apt-get to install them" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

echo "iolab: installing ${missing[*]} ${missing_optional[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for package in "${missing_optional[@]}"; do
  if apt-cache show "$package" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null || \
      echo "iolab: optional package $package could not be installed" >&2
  fi
done
