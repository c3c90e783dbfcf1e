#!/usr/bin/env python3
"""Dequantizes the first ROWS rows of each named tensor of a GGUF file with gguf-py (`gguf.quants.dequantize`,
llama.cpp's own Python reader) and writes them, float32 little-endian, one tensor after the other, to OUT.

Usage: dequant_ref.py MODEL.gguf OUT.f32 ROWS NAME [NAME ...]
"""
import sys

import numpy as np
import gguf
from gguf import quants


def main() -> None:
    model, out_path, rows, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    r = gguf.GGUFReader(model)
    tensors = {t.name: t for t in r.tensors}
    parts = []
    for n in names:
        t = tensors[n]
        data = t.data if t.data.ndim > 1 else t.data.reshape(1, -1)
        parts.append(quants.dequantize(data[:rows], t.tensor_type).astype("<f4").reshape(-1))
    np.concatenate(parts).tofile(out_path)


if __name__ == "__main__":
    main()
