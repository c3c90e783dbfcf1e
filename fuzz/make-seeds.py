#!/usr/bin/env python3
"""Regenerates the committed seed corpus under fuzz/corpus (small valid and invalid inputs per harness).
Needs the `gguf` and `numpy` packages (scripts/setup.sh installs them). Run from the repository root."""
import json, os, struct, glob, shutil
import numpy as np
import gguf

C = "fuzz/corpus"
def put(t, name, data):
    with open(os.path.join(C, t, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def tiny_gguf(path, vocab=16, ctx=64, heads=2, layers=1, hidden=8):
    w = gguf.GGUFWriter(path, "llama")
    w.add_context_length(ctx); w.add_embedding_length(hidden); w.add_block_count(layers)
    w.add_feed_forward_length(16); w.add_head_count(heads); w.add_head_count_kv(1)
    w.add_layer_norm_rms_eps(1e-5); w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("smollm")
    toks = ["<|im_start|>", "<|im_end|>"] + [chr(ord('a') + i) for i in range(vocab - 3)] + ["ab"]
    w.add_token_list(toks); w.add_token_types([3, 3] + [1] * (vocab - 2))
    w.add_token_merges(["a b"]); w.add_bos_token_id(0); w.add_eos_token_id(1)
    rng = np.random.default_rng(0)
    w.add_tensor("token_embd.weight", rng.standard_normal((vocab, hidden), dtype=np.float32))
    w.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()

tmp = "/tmp/ktune-seed.gguf"
tiny_gguf(tmp)
good = open(tmp, "rb").read()
put("gguf", "tiny-valid.gguf", good)
put("gguf", "truncated.gguf", good[:len(good) // 3])
put("gguf", "header-only.gguf", good[:24])
put("gguf", "bad-magic.gguf", b"GGUX" + good[4:64])
put("gguf", "huge-counts.gguf", b"GGUF" + struct.pack("<IQQ", 3, 2**63, 2**62))
put("gguf", "huge-string.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**40) + b"key")
put("gguf", "huge-array.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k"
    + struct.pack("<IIQ", 9, 4, 2**33))
os.remove(tmp)

cfg = {"schemaVersion": 1, "createdAt": "2026-12-01T00:00:00Z", "toolVersion": "0.1",
       "machine": {"fingerprint": "f", "cpu": "cpu", "cores": 2, "isa": ["avx2"], "caches": ["L1d 32K"]},
       "entries": [{"kernel": "matmul", "shape": "1x576x576", "params": {"mr": 4, "nr": 16, "kc": 256, "threads": 2},
                    "measured": {"median": 10, "min": 9, "max": 11}, "default": {"params": {"mr": 4}, "gflops": {"median": 5, "min": 4, "max": 6}}}]}
put("config", "valid.json", json.dumps(cfg))
cfg2 = json.loads(json.dumps(cfg)); cfg2["entries"][0]["params"]["kc"] = 2**62
put("config", "huge-param.json", json.dumps(cfg2))
put("config", "schema-99.json", json.dumps({**cfg, "schemaVersion": 99}))
put("config", "truncated.json", json.dumps(cfg)[:80])
put("config", "empty.json", "")

head = {"journalVersion": 1, "fingerprint": "fuzz", "toolVersion": "x", "spaceHash": "0", "createdAt": "2026-12-01T00:00:00Z", "strategy": "random"}
entry = {"type": "candidate", "kernel": "matmul", "shape": "1x576x576", "time": "2026-12-01T00:00:01Z",
         "result": {"params": {"mr": 4, "nr": 16}, "rung": 0, "outcome": "ok", "samples": [0.001, 0.0011], "innerRuns": 1,
                    "gflops": {"median": 10, "min": 9, "max": 11}, "noisy": False, "seconds": 0.01}}
bad = json.loads(json.dumps(entry)); bad["result"]["seconds"] = "nan"; bad["result"]["gflops"]["median"] = "inf"
put("journal", "valid.jsonl", "\n".join(json.dumps(x) for x in [head, entry, entry]) + "\n")
put("journal", "nan-inf.jsonl", "\n".join(json.dumps(x) for x in [head, bad]) + "\n")
put("journal", "torn.jsonl", json.dumps(head) + "\n" + json.dumps(entry)[:40])
for f in sorted(glob.glob("Tests/TunerTests/Fixtures/*.jsonl"))[:1]:
    put("journal", "fixture.jsonl", open(f, "rb").read()[:20000])

for i, (d, k) in enumerate([("gpus", 0), ("rules", 1), ("models", 2), ("calibration", 3)]):
    for f in sorted(glob.glob(f"profiles/{d}/*.json"))[:2]:
        put("profile", f"{d}-{os.path.basename(f)}", bytes([k]) + open(f, "rb").read())
put("profile", "gpu-garbage.json", bytes([0]) + b'{"id": 1')

for s in ["1x576x576", "64x1536x576/kn", "0x1x1", "99999999999999999999x1x1", "1x2", "128x9x64x8", "4x8x16x64x2", "8x64x576x4", "x", ""]:
    put("shape", s.replace("/", "_") or "empty", s)
for p in ["mr=4,nr=16,kc=256,threads=2", "mr=999999999999,nr=-1", "=", "a=b", "mr=4,,nr", "threads=9223372036854775807", ""]:
    put("params", (p.replace("=", "_").replace(",", "-") or "empty")[:40], p)

for f in ["16em64t-4s2c2t-offlines.xml", "8intel64-4n2t-memattrs.xml"]:
    src = os.path.join("/work/shared/topologies", f)
    if os.path.exists(src): shutil.copy(src, os.path.join(C, "hwloc", f))
put("hwloc", "nested.xml", '<?xml version="1.0"?><topology>' + "<object type=\"Group\">" * 200 + "</object>" * 200 + "</topology>")
put("hwloc", "empty.xml", "")
put("hwloc", "infinite-cpuset.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n<topology version="2.0">\n'
    '<object type="Machine" os_index="0" cpuset="0xf...f" complete_cpuset="0xf...f" allowed_cpuset="0xf...f" nodeset="0x1" complete_nodeset="0x1" allowed_nodeset="0x1">\n'
    '<object type="Package" os_index="0" cpuset="0xf...f" complete_cpuset="0xf...f"><object type="Core" os_index="0" cpuset="0xf...f" complete_cpuset="0xf...f">'
    '<object type="PU" os_index="0" cpuset="0xf...f" complete_cpuset="0xf...f"/></object></object>\n'
    '<object type="NUMANode" os_index="0" cpuset="0xf...f" complete_cpuset="0xf...f" nodeset="0x1" complete_nodeset="0x1" local_memory="1000"/>\n</object>\n</topology>\n')
