#!/usr/bin/env python3
"""SCE merge (select_topk 1) of safetensors checkpoints in plain numpy: the reference side of
MergeBenchmark --method sce.

The same computation as cpt4j's engine (SceMerge), in float32 per tensor:
  delta_k = x_k - base; select: with select_topk 1 every position is kept; calculate: model k's weight
  is the mean square of delta_k, normalized to sum 1 (equal weights when all are 0), the squares summed
  in float64 in index order (a sequential sum, as cpt4j adds them, not numpy's pairwise one) and the
  weight rounded to float32; erase: at each position keep the delta_k whose sign is that of
  sum_k delta_k (>= 0 counts as +; a zero delta_k is never kept) and out = base + sum w_k delta_k /
  sum w_k over the kept ones (divisor 1 when none is kept), ties_merge.consensus with the unweighted
  deltas electing the sign (a kept delta_k is told by the sign of w_k delta_k, the same unless that
  product is 0, which changes neither sum's result); written as BF16. The models' --weights are
  not used, as in cpt4j and mergekit.

usage: sce_merge.py BASE MODEL [MODEL ...] OUT [--compare OTHER_CHECKPOINT]
"""
import numpy as np

from ties_merge import cli, consensus

BLOCK = 1 << 20  # elements per step of the sequential sum of squares


def sequential_sum_of_squares(d):
    """sum(d[i]^2) in float64 added strictly in index order (np.add.accumulate is a left fold)."""
    total = 0.0
    for first in range(0, d.size, BLOCK):
        sq = d[first:first + BLOCK].astype(np.float64) ** 2
        sq[0] += total
        total = float(np.add.accumulate(sq)[-1])
    return total


def sce(base, models):
    deltas = [x - base for x in models]
    n = base.size
    squares = [sequential_sum_of_squares(d) for d in deltas]
    total = 0.0
    for q in squares:
        total += q / n
    weights = [np.float32(1.0 / len(models) if total == 0 else q / n / total) for q in squares]
    return consensus(base, [w * d for w, d in zip(weights, deltas)], weights, 1, electors=deltas)


def main():
    cli(__doc__, "sce", lambda p: None, lambda args, weights: lambda name, shape, b, xs: sce(b, xs))


if __name__ == "__main__":
    main()
