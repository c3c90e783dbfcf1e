#!/usr/bin/env bash
# The main job on the bundled default, on a fresh Debian machine:
#   set up (apt packages, default model) → build (release) → probe this machine → tune the kernels the
#   default model (SmolLM2-135M) runs, ending with the end-to-end proof (default vs tuned plan on the
#   model itself) → generate with the analytical defaults and with the tuned config (found at the default
#   path), side by side → price DeepSeek-V3 decode on export-restricted and unrestricted GPUs.
# Tuning takes at most about 3 minutes on 2 cores (--time-limit 175 s: the search budget is what the probe,
# the model's warm-up and the 5-round end-to-end proof's estimate leave).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product ktune
K=.build/release/ktune
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
mkdir -p out

echo "== ktune probe"
$K probe

echo "== ktune tune --model $MODEL   (writes the default config path, printed at the end)"
# The search budget is derived from tune's --time-limit (175 s); KTUNE_BUDGET=S sets it explicitly instead.
$K tune --model "$MODEL" ${KTUNE_BUDGET:+--budget "$KTUNE_BUDGET"}
# Where tune wrote (the default path for this machine's fingerprint), for the report below.
$K probe --no-bench --json > out/probe-topology.json
FP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' out/probe-topology.json)
CONFIG=${KTUNE_HOME:-$HOME/.ktune}/tuned/$FP.json
JOURNAL=${CONFIG%.json}.journal.jsonl

PROMPT="What is the capital of France?"
run() {  # $1: label, rest: extra flags
  local label=$1; shift
  $K generate --model "$MODEL" --chat --prompt "$PROMPT" --max-tokens 64 --temperature 0 --stats "$@" \
    2> "out/generate-$label.err" > "out/generate-$label.txt"
}
echo "== ktune generate: analytical defaults vs tuned config (default path), side by side"
run default --no-config
run tuned
printf '%-10s | %-60s | %s\n' "" "analytical defaults" "tuned config"
for what in plan prefill decode; do
  d=$(grep -m1 "^$what:" out/generate-default.err || true)
  t=$(grep -m1 "^$what:" out/generate-tuned.err || true)
  printf '%-10s | %-60.60s | %s\n' "$what" "${d#*: }" "${t#*: }"
done
echo "text (defaults): $(head -c 200 out/generate-default.txt)"
echo "text (tuned):    $(head -c 200 out/generate-tuned.txt)"

echo "== ktune simulate compare (DeepSeek-V3 decode, 2 nodes, EP16)"
$K simulate compare --model deepseek-v3 --gpu h800-sxm,h100-sxm,h20,h200 --nodes 2 --ep 16 --batch 32

echo "== ktune profile (llama-bench-style pp/tg rows, default vs tuned, per-op roofline, Perfetto trace, same ops on an H800)"
rm -f out/profile.jsonl
$K profile -m "$MODEL" -p 64 -n 16 -r 2 --config "default,$CONFIG" --trace out/profile-trace.json --gpu h800-sxm --save out/profile.jsonl

echo "== ktune report (one HTML page with the charts of all of the above)"
$K probe --json > out/probe.json
$K simulate compare --model deepseek-v3 --gpu h800-sxm,h100-sxm,h20,h200 --nodes 2 --ep 16 --batch 32 --json > out/simulate.json
$K report --out out/report.html --journal "$JOURNAL" --config "$CONFIG" --profile out/profile.jsonl
