#!/usr/bin/env bash
# The main job on the bundled default, on a fresh Debian machine:
#   set up (apt packages, default model) → build (release) → probe this machine → tune the kernels the
#   default model (SmolLM2-135M) runs → generate with the analytical defaults and with the tuned config,
#   side by side → price DeepSeek-V3 decode on export-restricted and unrestricted GPUs.
# Tuning takes about 2 minutes on 2 cores (budget below); everything else seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product ktune
K=.build/release/ktune
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
mkdir -p out
CONFIG=out/tuned-smollm2.json

echo "== ktune probe"
$K probe

echo "== ktune tune --model $MODEL"
$K tune --model "$MODEL" --budget "${KTUNE_BUDGET:-100}" --out "$CONFIG" --journal out/tuned-smollm2.journal.jsonl

PROMPT="What is the capital of France?"
echo "== ktune generate (analytical defaults)"
$K generate --model "$MODEL" --chat --prompt "$PROMPT" --max-tokens 32 --temperature 0 --stats
echo "== ktune generate (tuned config)"
$K generate --model "$MODEL" --chat --prompt "$PROMPT" --max-tokens 32 --temperature 0 --stats --config "$CONFIG"

echo "== ktune simulate compare (DeepSeek-V3 decode, 2 nodes, EP16)"
$K simulate compare --model deepseek-v3 --gpu h800-sxm,h100-sxm,h20,h200 --nodes 2 --ep 16 --batch 32

echo "== ktune profile (llama-bench-style pp/tg rows, default vs tuned, per-op roofline, Perfetto trace, same ops on an H800)"
$K profile -m "$MODEL" -p 64 -n 16 -r 2 --config "default,$CONFIG" --trace out/profile-trace.json --gpu h800-sxm
