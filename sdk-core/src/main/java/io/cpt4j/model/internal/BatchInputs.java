package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Batch;

/**
 * A {@link Batch} as engine arrays: input ids, rotary tables for the within-document positions
 * (gathered from {@link RopeTables}), the additive attention mask (causal and block-diagonal by
 * document; for sliding-window layers a second one, banded to the window), and the loss targets and
 * weights. Created in {@code m} inside the caller's NDScope (if
 * any), so everything is freed with it; only {@code B·T}-sized arrays cross from the host, in two
 * copies.
 */
final class BatchInputs {
  final int rows;
  final int length;
  final NDArray ids; // (B*T) int64
  final NDArray cos; // (B, 1, T, rd), compute dtype
  final NDArray signedSin; // (B, 1, T, rd), compute dtype: -sin on the first half, sin on the second
  final NDArray localCos; // the same for sliding layers with their own rope base (Gemma 3); else cos
  final NDArray localSignedSin;
  final NDArray mask; // (B, 1, T, T) additive: 0 or -inf
  final NDArray slidingMask; // mask with j > i − window also required; null without a window
  final NDArray targets; // (B*T, 1) int64, IGNORE replaced by 0
  final NDArray weights; // (B*T) weight, 0 where IGNORE
  final NDArray hasTarget; // (B*T) 1 where the target is not IGNORE, else 0

  BatchInputs(NDManager m, Batch b, RopeTables rope, int window) {
    this(m, b, rope, window, null);
  }

  /**
   * With {@code prefixOf} not null, documents may continue a shared prefix ({@link
   * io.cpt4j.backend.TrainingSession#tokenScores(Batch, int[])}): a position also sees the whole of
   * its document's prefix, positions continue after the prefix, and the sliding-window band is
   * measured in positions rather than in row indices (the same thing without prefixes).
   */
  BatchInputs(NDManager m, Batch b, RopeTables rope, int window, int[] prefixOf) {
    rows = b.rows();
    length = b.length();
    int n = rows * length;
    int[] positions = prefixOf == null ? positions(b) : SharedPrefixInputs.positions(b, prefixOf);
    int columnCount = prefixOf == null ? 4 : 5;
    long[] packed = new long[columnCount * n]; // ids | targets (IGNORE kept) | position ids | document ids | prefix doc
    int bound = 1;
    for (int i = 0; i < n; i++) {
      packed[i] = b.inputIds()[i];
      packed[n + i] = b.targets()[i];
      packed[2 * n + i] = positions[i];
      packed[3 * n + i] = b.documentIds()[i];
      if (prefixOf != null) {
        packed[4 * n + i] = prefixOf[b.documentIds()[i]]; // -1 (no document) when there is none
      }
      bound = Math.max(bound, positions[i] + 1);
    }
    // Two host-to-device copies per batch (each synchronous on a GPU in DJL): the int64 columns and
    // the weights. Everything else is derived on the device: the mask from the document ids (B·T
    // ints instead of B·T² floats, no T² host loop), visible where j <= i and the documents of i and
    // j are the same; transient memory two B·T² bools besides the float32 mask.
    // `columns` stays open (with the scope or manager, like every input): `ids` is a view of it, and
    // on the CPU its storage is the Java buffer it was created from, which must outlive the backward.
    NDArray columns = m.create(packed, new Shape(columnCount, n));
    try (NDArray rawWeights = m.create(b.weights());
        NDArray rawTargets = columns.get(1);
        NDArray ignored = Scalars.constant(m, Batch.IGNORE, DataType.INT64);
        NDArray valid = rawTargets.neq(ignored);
        NDArray validLong = valid.toType(DataType.INT64, false);
        NDArray positionIds = columns.get(2);
        NDArray docColumn = columns.get(3);
        NDArray docs = docColumn.reshape(rows, length);
        NDArray di = docs.expandDims(2);
        NDArray dj = docs.expandDims(1);
        NDArray same = sameOrPrefix(columns, di, dj, prefixOf != null); // (B, T, T): [b, i, j] = j in i's document or prefix
        NDArray pos = m.arange(length);
        NDArray pi = pos.expandDims(1);
        NDArray pj = pos.expandDims(0);
        NDArray causal = pi.gte(pj); // (T, T): [i, j] = j <= i
        NDArray visible = same.logicalAnd(causal);
        NDArray open = Scalars.constant(m, 0.0, DataType.FLOAT32);
        NDArray closed = Scalars.constant(m, Double.NEGATIVE_INFINITY, DataType.FLOAT32);
        NDArray additive = JniUtils.where((PtNDArray) visible, (PtNDArray) open, (PtNDArray) closed)) {
      ids = columns.get(0);
      hasTarget = valid.toType(DataType.FLOAT32, false);
      targets = rawTargets.mul(validLong).reshape(n, 1); // IGNORE · 0 = 0
      weights = rawWeights.mul(hasTarget); // w · 0 = +0 (weights are finite and >= 0)
      NDArray[] tables = rope.gather(positionIds, bound, rows, length);
      cos = tables[0];
      signedSin = tables[1];
      NDArray[] local = rope.local == null ? tables : rope.local.gather(positionIds, bound, rows, length);
      localCos = local[0];
      localSignedSin = local[1];
      mask = additive.expandDims(1);
      if (window > 0 && window < length && prefixOf != null) { // the band in positions: (B, T, 1) − (B, 1, T)
        try (NDArray rowPositions = positionIds.reshape(rows, length);
            NDArray qi = rowPositions.expandDims(2);
            NDArray kj = rowPositions.expandDims(1)) {
          slidingMask = banded(m, visible, qi, kj, window, open, closed);
        }
      } else {
        slidingMask = window > 0 && window < length ? banded(m, visible, pi, pj, window, open, closed)
            : window > 0 ? mask : null; // a window as long as the row changes nothing
      }
    }
  }

  /** {@code di == dj}, or with prefixes {@code di == dj || prefix(i) == dj}: (B, T, T). */
  private static NDArray sameOrPrefix(NDArray columns, NDArray di, NDArray dj, boolean prefixes) {
    if (!prefixes) {
      return di.eq(dj);
    }
    try (NDArray own = di.eq(dj);
        NDArray prefixColumn = columns.get(4);
        NDArray prefix = prefixColumn.reshape(di.getShape());
        NDArray inPrefix = prefix.eq(dj)) {
      return own.logicalOr(inPrefix);
    }
  }

  /** The additive mask of a sliding-window layer: visible and {@code pi − pj < window}. */
  private static NDArray banded(NDManager m, NDArray visible, NDArray pi, NDArray pj, int window, NDArray open,
      NDArray closed) {
    try (NDArray distance = pi.sub(pj);
        NDArray limit = Scalars.constant(m, window, DataType.INT64);
        NDArray near = distance.lt(limit);
        NDArray allowed = visible.logicalAnd(near);
        NDArray additive = JniUtils.where((PtNDArray) allowed, (PtNDArray) open, (PtNDArray) closed)) {
      return additive.expandDims(1);
    }
  }

  /** Position ids: 0 at the start of each row and wherever the document id changes, then +1. */
  static int[] positions(Batch b) {
    int[] positions = new int[b.rows() * b.length()];
    for (int i = 0; i < positions.length; i++) {
      boolean docStart = i % b.length() == 0 || b.documentIds()[i] != b.documentIds()[i - 1];
      positions[i] = docStart ? 0 : positions[i - 1] + 1;
    }
    return positions;
  }
}
