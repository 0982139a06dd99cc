"""Independent reader of a Hugging Face safetensors checkpoint (numpy only), used by PeerReadTest.

Follows the safetensors specification, not cpt4j's code: an 8-byte little-endian header length, a
JSON header (space padded), tensors with dtype/shape/data_offsets covering the data buffer without
holes or overlaps. Prints, as JSON, every tensor widened to float32 as uint32 bit patterns.
Exits non-zero with a message when the checkpoint breaks the format.
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "F64": np.dtype("<f8")}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def read_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        fail(f"{path}: header length {n} beyond file")
    if (8 + n) % 8 != 0:
        fail(f"{path}: data does not start at a multiple of 8 (header length {n})")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    cursor = 0
    tensors = {}
    for name, entry in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = entry["data_offsets"]
        if begin != cursor:
            fail(f"{path}: tensor {name} begins at {begin}, expected {cursor}")
        dtype = DTYPES[entry["dtype"]]
        count = int(np.prod(entry["shape"], dtype=np.int64)) if entry["shape"] else 1
        if end - begin != count * dtype.itemsize:
            fail(f"{path}: tensor {name} spans {end - begin} bytes for shape {entry['shape']}")
        values = np.frombuffer(data[begin:end], dtype=dtype)
        if entry["dtype"] == "BF16":
            widened = values.astype(np.uint32) << 16
        else:
            widened = values.astype(np.float32).view(np.uint32)
        tensors[name] = {"dtype": entry["dtype"], "shape": entry["shape"], "bits": widened.tolist()}
        cursor = end
    if cursor != len(data):
        fail(f"{path}: tensors cover {cursor} of {len(data)} data bytes")
    return metadata, tensors


def main(directory):
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        files = sorted(set(weight_map.values()))
    else:
        weight_map, files = None, ["model.safetensors"]
    out = {"files": files, "tensors": {}, "metadata": {}}
    for name in files:
        metadata, tensors = read_file(os.path.join(directory, name))
        out["metadata"] = metadata
        for tensor_name, t in tensors.items():
            if weight_map is not None and weight_map.get(tensor_name) != name:
                fail(f"{name}: tensor {tensor_name} not mapped to this shard by the index")
            if tensor_name in out["tensors"]:
                fail(f"tensor {tensor_name} appears twice")
            out["tensors"][tensor_name] = t
    if weight_map is not None and set(weight_map) != set(out["tensors"]):
        fail("index and shards disagree on the tensor set")
    with open(os.path.join(directory, "config.json")) as f:
        out["config"] = json.load(f)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
