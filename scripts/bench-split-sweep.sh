#!/usr/bin/env bash
# Split-sweep benchmark (docs/store.md): one fixed exhaustive sweep of single-thread matmul candidates,
# run three ways, interleaved, REPS times:
#   local    plain `ktune tune` (no store)
#   store-1  one `--worker` through the store (what the store adds to a one-worker sweep)
#   store-2  two `--worker`s at once, one per core (what splitting buys)
# The capped exhaustive sweep visits the same seeded random sample of each space in every run (shuffle=true),
# so every run measures the same candidates. Prints wall seconds per run, medians, the ratios (of medians,
# and the median of each rep's paired ratio), and whether the winners agree: each run's strategy pick
# (the best measured candidate of each shape) is judged by local's own measurement of it, as a fraction
# of local's best. A second plain local run per rep ("local again", untimed) is the control: two plain
# runs disagree this much by measurement noise alone, so the store's picks should agree with local as
# well as the control does. Needs a ktune built with the Store trait (scripts/test.sh builds one) and Debian's
# postgresql (a throwaway server is started on loopback and stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
K=${K:-.build/testing/release/ktune}
REPS=${REPS:-3}
EVALS=${EVALS:-300}
[ -x "$K" ] || { echo "bench-split-sweep: $K not found (run scripts/test.sh, or set K to a ktune built with --traits Store)" >&2; exit 1; }
eval "$(scripts/pg-test-server.sh start)"
work=$(mktemp -d /tmp/ktune-split-bench.XXXXXX)
trap 'scripts/pg-test-server.sh stop "$KTUNE_PG_DIR"; rm -rf "$work"' EXIT
export KTUNE_HOME=$work/home
unset KTUNE_STORE KTUNE_CONFIG
SWEEP=(tune --kernel matmul --shape 1x576x1536 --shape 1x1536x576 --shape 64x576x576 --shape 64x1536x576
       --strategy exhaustive --strategy-option shuffle=true --max-evals "$EVALS" --threads 1 --budget 1000000
       --no-calibration --json)
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average at start: $(load) ($(nproc) CPUs)" | tee "$work/load"
for rep in $(seq 1 "$REPS"); do
  d=$work/$rep; mkdir -p "$d"
  t0=$(now); "$K" "${SWEEP[@]}" --out "$d/local.json" --journal "$d/local.jsonl" >"$d/local.out" 2>"$d/local.err"; t1=$(now)
  echo "local $rep $(python3 -c "print(round($t1 - $t0, 3))")" | tee -a "$work/times"
  # A second local run: the control for the winners (how often two plain runs agree on this noisy machine).
  "$K" "${SWEEP[@]}" --out "$d/again.json" --journal "$d/again.jsonl" >"$d/again.out" 2>"$d/again.err"
  t0=$(now); "$K" "${SWEEP[@]}" --store "$KTUNE_TEST_STORE" --worker --sweep "one-$rep" --out "$d/one.json" --journal "$d/one.jsonl" \
    >"$d/one.out" 2>"$d/one.err"; t1=$(now)
  echo "store-1 $rep $(python3 -c "print(round($t1 - $t0, 3))")" | tee -a "$work/times"
  t0=$(now)
  "$K" "${SWEEP[@]}" --store "$KTUNE_TEST_STORE" --worker --sweep "two-$rep" --out "$d/a.json" --journal "$d/a.jsonl" >"$d/a.out" 2>"$d/a.err" &
  pa=$!
  "$K" "${SWEEP[@]}" --store "$KTUNE_TEST_STORE" --worker --sweep "two-$rep" --out "$d/b.json" --journal "$d/b.jsonl" >"$d/b.out" 2>"$d/b.err" &
  pb=$!
  wait "$pa"; wait "$pb"; t1=$(now)
  echo "store-2 $rep $(python3 -c "print(round($t1 - $t0, 3))")" | tee -a "$work/times"
done
echo "load average at end: $(load)" | tee -a "$work/load"
python3 - "$work" "$REPS" <<'PY'
import json, statistics, sys
work, reps = sys.argv[1], int(sys.argv[2])
print(open(f"{work}/load").read().strip())
t = {}
for line in open(f"{work}/times"):
    k, _, s = line.split(); t.setdefault(k, []).append(float(s))
med = {k: statistics.median(v) for k, v in t.items()}
for k in ("local", "store-1", "store-2"):
    print(f"{k:8s} median {med[k]:7.2f} s  runs {' '.join(f'{x:.2f}' for x in t[k])}")
paired = statistics.median(o / l for o, l in zip(t["store-1"], t["local"]))
overhead, split = med['store-1'] / med['local'], med['store-2'] / med['store-1']
print(f"store-1 / local   = {overhead:.3f}   (median of paired ratios {paired:.3f}; target <= 1.05: {'met' if overhead <= 1.05 else 'NOT met'})")
print(f"store-2 / store-1 = {split:.3f}   (target <= 0.60: {'met' if split <= 0.60 else 'NOT met'})")
def key(params): return json.dumps(params, sort_keys=True)
def results(path): return {x["target"]["shape"]: x for x in json.load(open(path))["results"]}
def journal(path):
    best, seen = {}, {}
    for line in open(path):
        e = json.loads(line)
        if e.get("type") != "candidate" or e["result"].get("outcome") != "ok": continue
        g = e["result"]["gflops"]["median"]
        seen[(e["shape"], key(e["result"]["params"]))] = g
        best[e["shape"]] = max(best.get(e["shape"], 0), g)
    return best, seen
worst = 1.0
quality = {}
for rep in range(1, reps + 1):
    runs = {n: results(f"{work}/{rep}/{f}.out") for n, f in (("local", "local"), ("local again", "again"), ("store-1", "one"), ("store-2", "a"))}
    best, seen = journal(f"{work}/{rep}/local.jsonl")
    verdicts = []
    for shape, lr in runs["local"].items():
        for n in ("local again", "store-1", "store-2"):
            r = runs[n][shape]
            v = 1.0 if key(r["strategyPick"]) == key(lr["strategyPick"]) else seen.get((shape, key(r["strategyPick"])), 0) / best[shape]
            worst = min(worst, v)
            verdicts.append((shape, n, v, key(r["chosenParams"]) == key(lr["chosenParams"])))
    for shape, n, v, _ in verdicts:
        quality.setdefault(n, []).append(v)
print("each shape's pick, as local measured it, as a fraction of local's best (1 = the same pick):")
for n, vs in quality.items():
    print(f"  {n:12s} identical {sum(v == 1.0 for v in vs):2d}/{len(vs)}  >= 0.95: {sum(v >= 0.95 for v in vs):2d}/{len(vs)}  "
          f"median {statistics.median(vs):.3f}  worst {min(vs):.3f}")
PY
