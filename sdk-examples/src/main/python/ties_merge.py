#!/usr/bin/env python3
"""TIES merge of safetensors checkpoints in plain numpy: the reference side of MergeBenchmark.

The same formula as cpt4j's engine (mergekit's TIES), in float32, tensor by tensor:
  delta_k = x_k - base; keep the int(density * n) entries of largest |delta_k| (ties at the
  threshold kept in index order), zero the rest; elect a sign per entry from sum_k w_k * delta_k
  (zero counts as positive); disjoint mean: sum of the agreeing w_k * delta_k divided by the sum of
  their weights (1 where none agree); out = base + lambda * that; written as BF16 (round to nearest
  even).

Safetensors are parsed by hand (8-byte header length, JSON header, raw little-endian data) and read
through mmap with np.frombuffer; BF16 is widened as uint16 << 16. Nothing is unpickled.

usage: ties_merge.py BASE MODEL [MODEL ...] OUT [--density 0.5] [--weights 1,1,1] [--lambda 1]
                     [--compare OTHER_CHECKPOINT]
"""
import argparse
import json
import mmap
import os
import shutil
import struct
import sys
import time

import numpy as np


class Checkpoint:
    """The tensors of a checkpoint directory (single file or sharded), memory-mapped."""

    def __init__(self, directory):
        self.directory = directory
        index = os.path.join(directory, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
        else:
            files = ["model.safetensors"]
        self.tensors = {}  # name -> (mmap, dtype, shape, offset, nbytes)
        self.order = []
        self._maps = []
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            self._maps.append(mm)
            (n,) = struct.unpack("<Q", mm[:8])
            header = json.loads(mm[8:8 + n])
            header.pop("__metadata__", None)
            for tname, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
                start, end = info["data_offsets"]
                self.tensors[tname] = (mm, info["dtype"], info["shape"], 8 + n + start, end - start)
                self.order.append(tname)

    def floats(self, name):
        """The tensor widened to a fresh float32 array (flat)."""
        mm, dtype, shape, offset, nbytes = self.tensors[name]
        if dtype == "BF16":
            u = np.frombuffer(mm, dtype="<u2", count=nbytes // 2, offset=offset)
            return (u.astype(np.uint32) << 16).view(np.float32)
        if dtype == "F16":
            return np.frombuffer(mm, dtype="<f2", count=nbytes // 2, offset=offset).astype(np.float32)
        if dtype == "F32":
            return np.frombuffer(mm, dtype="<f4", count=nbytes // 4, offset=offset).copy()
        raise SystemExit(f"{self.directory}: {name} has dtype {dtype}; only BF16, F16 and F32 are merged here")


def to_bf16(f):
    """float32 -> BF16 bits, round to nearest, ties to even."""
    u = f.view(np.uint32)
    return ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype("<u2")


def keep_largest(d, k):
    """Zeroes all but the k entries of largest |d| (ties at the threshold kept in index order)."""
    n = d.size
    if k >= n:
        return d
    if k <= 0:
        return np.zeros_like(d)
    a = np.abs(d)
    threshold = np.partition(a, n - k)[n - k]
    keep = a > threshold
    missing = k - int(np.count_nonzero(keep))
    if missing > 0:
        keep[np.flatnonzero(a == threshold)[:missing]] = True
    return np.where(keep, d, np.float32(0))


def consensus(base, weighted, weights, lam, electors=None):
    """TIES's sign election and disjoint mean over the weighted task vectors; base + lambda * that.
    The sign is that of the sum of the electors (default: the weighted vectors themselves)."""
    s = np.zeros_like(base)
    for e in weighted if electors is None else electors:
        s += e
    majority = np.where(s >= 0, np.float32(1), np.float32(-1))
    del s
    mixed = np.zeros_like(base)
    div = np.zeros_like(base)
    for wd, w in zip(weighted, weights):
        agree = np.sign(wd) == majority
        mixed += np.where(agree, wd, np.float32(0))
        div += np.where(agree, np.float32(w), np.float32(0))
    div[div == 0] = 1
    mixed /= div
    return base + np.float32(lam) * mixed


def ties(base, models, weights, density, lam):
    n = base.size
    k = int(density * n)
    weighted = []
    for x, w in zip(models, weights):
        d = x - base
        if density < 1:
            d = keep_largest(d, k)
        weighted.append(np.float32(w) * d)
    return consensus(base, weighted, weights, lam)


def write_merged(out, base, models, method, merge):
    """Writes merge(name, shape, base values, model values) of every tensor as BF16 to directory out."""
    staging = os.path.join(os.path.dirname(os.path.abspath(out)), "." + os.path.basename(out) + ".partial-numpy")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    header, offset = {}, 0
    for name in base.order:
        shape = base.tensors[name][2]
        nbytes = 2 * int(np.prod(shape, dtype=np.int64))
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"format": "pt", "merge_method": method}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    path = os.path.join(staging, "model.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in base.order:
            merged = merge(name, base.tensors[name][2], base.floats(name), [m.floats(name) for m in models])
            f.write(to_bf16(merged).tobytes())
        f.flush()
        os.fsync(f.fileno())
    for aux in ("config.json", "tokenizer.json", "generation_config.json"):
        src = os.path.join(base.directory, aux)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(staging, aux))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(staging, out)


def compare(a_dir, b_dir):
    a, b = Checkpoint(a_dir), Checkpoint(b_dir)
    differing, total, worst = 0, 0, 0.0
    for name in a.order:
        x, y = a.floats(name), b.floats(name)
        diff = x != y
        differing += int(np.count_nonzero(diff))
        total += x.size
        if diff.any():
            worst = max(worst, float(np.max(np.abs(x[diff] - y[diff]))))
    return f"compare: {differing} of {total} elements differ between numpy and {b_dir} (max |diff| {worst:g})"


def cli(doc, method, add_options, make_merge):
    """The command line of a numpy merge script: parses BASE MODEL... OUT [--weights] [--compare] and the
    method's options (add_options(parser)), merges with make_merge(args, weights), compares."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("base")
    p.add_argument("models", nargs="+")
    p.add_argument("out")
    p.add_argument("--weights", default=None, help="comma-separated, one per model (default 1 each)")
    p.add_argument("--compare", default=None, help="a checkpoint to compare the output with, element by element")
    add_options(p)
    args = p.parse_args()
    weights = [float(w) for w in args.weights.split(",")] if args.weights else [1.0] * len(args.models)
    if len(weights) != len(args.models):
        sys.exit("--weights needs one value per model")
    t0 = time.perf_counter()
    base = Checkpoint(args.base)
    models = [Checkpoint(m) for m in args.models]
    write_merged(args.out, base, models, method, make_merge(args, weights))
    print(f"numpy: merged {len(base.order)} tensors in {time.perf_counter() - t0:.2f} s -> {args.out}")
    if args.compare and os.path.isdir(args.compare):
        print(compare(args.out, args.compare))


def main():
    def options(p):
        p.add_argument("--density", type=float, default=0.5)
        p.add_argument("--lambda", dest="lam", type=float, default=1.0)

    cli(__doc__, "ties", options,
        lambda args, weights: lambda name, shape, b, xs: ties(b, xs, weights, args.density, args.lam))


if __name__ == "__main__":
    main()
