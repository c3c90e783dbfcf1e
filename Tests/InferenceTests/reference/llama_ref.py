#!/usr/bin/env python3
"""Independent NumPy reference for the llama / qwen2 forward pass of a GGUF model.

Reads the file with the `gguf` package (gguf-py, llama.cpp's own reader), dequantizes every tensor with
`gguf.quants.dequantize`, and runs the forward pass in float64: embedding, RMSNorm, attention with RoPE,
grouped-query attention, SwiGLU FFN, final norm and the output projection (`output.weight`, or the token
embedding when tied).

Architectures: `llama` (RoPE in llama.cpp's "normal" layout: adjacent pairs (2i, 2i+1) of each head rotate;
q/k weights in GGUF are already permuted for it) and `qwen2` (q/k/v projections with bias, `attn_q.bias`
etc.; RoPE in the NeoX layout: the halves (i, i + d/2) of each head rotate, as llama.cpp's
`llama_model_rope_type` gives LLM_ARCH_QWEN2).

Usage: llama_ref.py MODEL.gguf OUT.f32 TOKEN [TOKEN ...]
Writes the logits of every position, float32 little-endian, [T x vocab] row-major, to OUT.f32.
"""
import sys

import numpy as np
import gguf
from gguf import quants


def main() -> None:
    model, out_path, tokens = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3:]]
    r = gguf.GGUFReader(model)
    arch = r.fields["general.architecture"].contents()

    def meta(key):
        return r.fields[f"{arch}.{key}"].contents()

    tensors = {t.name: t for t in r.tensors}

    def weight(name):
        t = tensors[name]
        return quants.dequantize(t.data, t.tensor_type).astype(np.float64)

    n_layers = meta("block_count")
    n_heads = meta("attention.head_count")
    n_kv = meta("attention.head_count_kv")
    eps = meta("attention.layer_norm_rms_epsilon")
    base = meta("rope.freq_base")
    hidden = meta("embedding_length")
    d = hidden // n_heads
    T = len(tokens)

    embd = weight("token_embd.weight")
    x = embd[tokens]  # [T, hidden]
    neox = arch in ("qwen2",)

    def bias(name, n):
        return weight(name) if name in tensors else np.zeros(n)

    def rmsnorm(v, w):
        return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps) * w

    pos = np.arange(T, dtype=np.float64)[:, None]
    inv = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)  # [d/2]
    ang = pos * inv[None, :]  # [T, d/2]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):  # v: [T, heads, d]; rotate pairs (2i, 2i+1), or (i, i + d/2) for NeoX
        c, s = cos[:, None, :], sin[:, None, :]
        out = np.empty_like(v)
        if neox:
            a, b = v[..., : d // 2], v[..., d // 2 :]
            out[..., : d // 2] = a * c - b * s
            out[..., d // 2 :] = a * s + b * c
        else:
            a, b = v[..., 0::2], v[..., 1::2]
            out[..., 0::2] = a * c - b * s
            out[..., 1::2] = a * s + b * c
        return out

    mask = np.triu(np.full((T, T), -np.inf), k=1)
    group = n_heads // n_kv
    for l in range(n_layers):
        p = f"blk.{l}."
        h = rmsnorm(x, weight(p + "attn_norm.weight"))
        q = (h @ weight(p + "attn_q.weight").T + bias(p + "attn_q.bias", n_heads * d)).reshape(T, n_heads, d)
        k = (h @ weight(p + "attn_k.weight").T + bias(p + "attn_k.bias", n_kv * d)).reshape(T, n_kv, d)
        v = (h @ weight(p + "attn_v.weight").T + bias(p + "attn_v.bias", n_kv * d)).reshape(T, n_kv, d)
        q, k = rope(q), rope(k)
        att = np.empty((T, n_heads, d))
        for hh in range(n_heads):
            kv = hh // group
            s = q[:, hh, :] @ k[:, kv, :].T / np.sqrt(d) + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            att[:, hh, :] = s @ v[:, kv, :]
        x = x + att.reshape(T, hidden) @ weight(p + "attn_output.weight").T
        h = rmsnorm(x, weight(p + "ffn_norm.weight"))
        g = h @ weight(p + "ffn_gate.weight").T
        u = h @ weight(p + "ffn_up.weight").T
        x = x + ((g / (1 + np.exp(-g))) * u) @ weight(p + "ffn_down.weight").T
    x = rmsnorm(x, weight("output_norm.weight"))
    out_w = weight("output.weight") if "output.weight" in tensors else embd
    logits = x @ out_w.T
    logits.astype("<f4").tofile(out_path)


if __name__ == "__main__":
    main()
