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
# A scratch path of its own, so that the plain release build of scripts/run.sh (what benchmarks time) is
# not rebuilt with other flags each time the tests run.
# KTUNE_TEST_NO_STORE=1 leaves the Store trait (and PostgresNIO's long clean build) out, for quick local
# iteration on other targets; CI never sets it.
if [ -n "${KTUNE_TEST_NO_STORE:-}" ]; then
  flags=(-c release -Xswiftc -enable-testing --scratch-path .build/testing-nostore)
else
  flags=(-c release -Xswiftc -enable-testing --scratch-path .build/testing --traits Store)
fi
swift build "${flags[@]}" --build-tests
# The results store (Store trait, PostgresNIO) is built and tested here, against a throwaway PostgreSQL
# server on loopback that is stopped when the tests end (its URL reaches the tests as KTUNE_TEST_STORE).
if [ -z "${KTUNE_TEST_STORE:-}" ] && [ -z "${KTUNE_TEST_NO_STORE:-}" ]; then
  eval "$(scripts/pg-test-server.sh start)"
  trap 'scripts/pg-test-server.sh stop "$KTUNE_PG_DIR"' EXIT
fi
swift test "${flags[@]}" --skip-build "$@"
