#!/usr/bin/env bash
# The main job on the bundled default: set up, build (release), then learn this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product ktune
KTUNE=.build/release/ktune
$KTUNE --help
