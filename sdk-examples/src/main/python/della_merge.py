#!/usr/bin/env python3
"""DELLA merge of safetensors checkpoints in plain numpy: the reference side of MergeBenchmark --method della.

The same computation as cpt4j's engine (RankSampling, DropPattern, TensorMerge), in float32, row block
by row block (a row is a tensor's trailing dimensions; a vector is one row):
  delta_k = x_k - base; within each row rank the entries by magnitude, q = 0 the smallest to L - 1 the
  largest (of equal magnitudes the earlier entry ranks higher); keep the entry of rank q with
  probability p = density - epsilon + 2 epsilon q / (L - 1) (density in a row of one element), drawn
  from cpt4j's seeded counter hash at the entry's index in the tensor, and rescale it by float32(1/p);
  then TIES's sign election and disjoint mean of the weighted vectors (ties_merge.consensus);
  out = base + lambda * that; written as BF16.

The draw reproduces DropPattern exactly: key = mix(mix(seed) ^ mix(fnv1a64(name)) ^ mix(G * (k + 1)))
for model k (0-based), u(i) = (mix(key + G * (i + 1)) >> 11) * 2^-53, kept when u(i) < p, with mix the
SplitMix64 finalizer and G = 0x9E3779B97F4A7C15, all in wrapping uint64 arithmetic.

usage: della_merge.py BASE MODEL [MODEL ...] OUT [--density 0.5] [--epsilon 0.15] [--weights 1,1,1]
                      [--lambda 1] [--seed 0] [--compare OTHER_CHECKPOINT]
"""
import numpy as np

from ties_merge import cli, consensus

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
ROW_BLOCK = 1 << 20  # elements per block of whole rows: bounds the temporaries (ranks are uint64)


def mix(z):
    """SplitMix64's finalizer on a uint64 array (numpy's uint64 multiply wraps as Java's long does)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def mix_int(z):
    return int(mix(np.array([z & MASK], dtype=np.uint64))[0])


def drop_key(seed, name, model):
    """DropPattern.key: the seeded key of one model's draws in one tensor."""
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK
    return mix_int(mix_int(seed) ^ mix_int(h) ^ mix_int(GOLDEN * (model + 1)))


def uniform(key, index):
    """DropPattern.uniform: a double in [0, 1) for each element index (an int64 array)."""
    z = np.uint64(key) + np.uint64(GOLDEN) * (index.astype(np.uint64) + np.uint64(1))
    return (mix(z) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def ranks(d):
    """Per row of d (rows, L): each entry's magnitude rank, 0 the smallest; the earlier of equals ranks higher."""
    rows, length = d.shape
    mag = (d.view(np.uint32) & np.uint32(0x7FFFFFFF)).astype(np.uint64)
    keys = np.sort((mag << np.uint64(32)) | np.arange(length - 1, -1, -1, dtype=np.uint64), axis=1)
    at = length - 1 - (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    q = np.empty((rows, length), dtype=np.int64)
    np.put_along_axis(q, at, np.broadcast_to(np.arange(length, dtype=np.int64), (rows, length)), axis=1)
    return q


def magprune(d, first, key, density, epsilon):
    """RankSampling.apply on whole rows d (rows, L) whose first element is element `first` of the tensor."""
    rows, length = d.shape
    low = density if length == 1 else density - epsilon
    step = 0.0 if length == 1 else 2 * epsilon / (length - 1)
    p = low + step * ranks(d).astype(np.float64)
    keep = uniform(key, first + np.arange(d.size, dtype=np.int64).reshape(rows, length)) < p
    return np.where(keep, d * (1.0 / p).astype(np.float32), np.float32(0))


def della(name, shape, base, models, weights, density, epsilon, lam, seed):
    length = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) >= 2 else base.size
    keys = [drop_key(seed, name, k) for k in range(len(models))]
    out = np.empty_like(base)
    step = max(1, ROW_BLOCK // length) * length
    for first in range(0, base.size, step):
        b = base[first:first + step]
        weighted = []
        for x, w, key in zip(models, weights, keys):
            d = x[first:first + step] - b
            if density < 1:
                d = magprune(d.reshape(-1, length), first, key, density, epsilon).reshape(-1)
            weighted.append(np.float32(w) * d)
        out[first:first + step] = consensus(b, weighted, weights, lam)
    return out


def main():
    def options(p):
        p.add_argument("--density", type=float, default=0.5)
        p.add_argument("--epsilon", type=float, default=0.15)
        p.add_argument("--lambda", dest="lam", type=float, default=1.0)
        p.add_argument("--seed", type=int, default=0)

    cli(__doc__, "della", options, lambda args, weights: lambda name, shape, b, xs: della(
        name, shape, b, xs, weights, args.density, args.epsilon, args.lam, args.seed))


if __name__ == "__main__":
    main()
