#!/usr/bin/env bash
# ktune vs llama.cpp end to end on one GGUF file, one after the other, ROUNDS times alternating which
# goes first, then the medians of each side (tokens/s) and their ratio.
#
#   scripts/bench-peer.sh MODEL.gguf [PROMPT=512] [GEN=128] [ROUNDS=3] [THREADS=2]
#
# ktune: `ktune profile` (release build of this checkout, analytical defaults, no roofline).
# llama.cpp: `llama-bench` built by ../shared/tools/llama-bench.sh into ~/.cache/ktune-peers (set
# LLAMA_BENCH to another binary). Each side runs -r 1 per round; the medians are over rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: scripts/bench-peer.sh MODEL.gguf [PROMPT] [GEN] [ROUNDS] [THREADS]}
p=${2:-512}; n=${3:-128}; rounds=${4:-3}; t=${5:-2}
[ -f "$model" ] || { echo "bench-peer: $model: no such file" >&2; exit 2; }
peer=${LLAMA_BENCH:-$HOME/.cache/ktune-peers/llamacpp/src/vendor/llama.cpp/build/bin/llama-bench}
[ -x "$peer" ] || { echo "bench-peer: llama-bench not found at $peer (build it with ../shared/tools/llama-bench.sh or set LLAMA_BENCH)" >&2; exit 2; }
ktune=${KTUNE:-.build/release/ktune}
[ -x "$ktune" ] || swift build -c release --product ktune >&2
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$rounds"); do
  run_ktune() { "$ktune" profile -m "$model" -p "$p" -n "$n" -r 1 -t "$t" --config default --no-roofline -o jsonl >> "$out/ktune.jsonl" 2>/dev/null; }
  run_peer() { env -u OPENBLAS_CORETYPE "$peer" -m "$model" -p "$p" -n "$n" -r 1 -t "$t" -o jsonl >> "$out/peer.jsonl" 2>/dev/null; }
  if [ $((r % 2)) -eq 1 ]; then run_ktune; run_peer; else run_peer; run_ktune; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$out/ktune.jsonl" "$out/peer.jsonl" "$model" <<'PY'
import json, statistics, sys
def rows(path):
    by = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"): continue
        d = json.loads(line)
        p, g = int(d.get("n_prompt", 0)), int(d.get("n_gen", 0))
        test = f"pp{p}" if g == 0 else f"tg{g}" if p == 0 else f"pp{p}+tg{g}"
        by.setdefault(test, []).append(float(d["avg_ts"]))
    return by
k, l = rows(sys.argv[1]), rows(sys.argv[2])
print(f"model: {sys.argv[3]}")
print(f"{'test':<10} {'ktune t/s (median)':>20} {'llama.cpp t/s (median)':>24} {'ratio':>7}  rounds")
for test in sorted(set(k) | set(l)):
    a = statistics.median(k[test]) if test in k else float("nan")
    b = statistics.median(l[test]) if test in l else float("nan")
    print(f"{test:<10} {a:>20.1f} {b:>24.1f} {a / b if b else float('nan'):>6.2f}×  {len(k.get(test, []))}/{len(l.get(test, []))}")
PY
