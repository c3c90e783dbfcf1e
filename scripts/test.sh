#!/usr/bin/env bash
# Installs what the tests need (see setup.sh) and runs the whole test suite.
#
# The suite runs as a release build with testability enabled: the kernel library's generic SIMD
# micro-kernels are only specialized under whole-module optimization, so in a debug build the end-to-end
# model tests would take minutes instead of seconds. `swift test` (debug) still works for quick
# iteration; it skips the tests that need the fast blocked matmul (set KTUNE_SLOW_TESTS=1 to force them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
