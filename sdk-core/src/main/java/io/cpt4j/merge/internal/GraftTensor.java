package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * One grafted output tensor: {@code mask ? tuned : base} per entry, computed for the range asked
 * for. The mask is either a mask-file tensor (non-zero byte = graft) or a top-k rule on {@code |tuned
 * − base|}: magnitudes above the threshold are grafted, and the first {@code equalToKeep} entries
 * equal to it in index order. Sequential reads (what the checkpoint writer does) cost one pass; a
 * read elsewhere first recounts the threshold-equal entries before it. Thread-safe (reads are
 * serialised).
 */
final class GraftTensor implements Tensor {
  private final TensorInfo info;
  private final Tensor base;
  private final Tensor tuned;
  private final Tensor maskTensor;
  private final int thresholdBits;
  private final long equalToKeep;
  private long cursor;
  private float[] tunedScratch = new float[0]; // guarded by this
  private long equalsBeforeCursor;

  private GraftTensor(TensorInfo info, Tensor base, Tensor tuned, Tensor mask, int thresholdBits, long equalToKeep) {
    this.info = info;
    this.base = base;
    this.tuned = tuned;
    this.maskTensor = mask;
    this.thresholdBits = thresholdBits;
    this.equalToKeep = equalToKeep;
  }

  /** Grafts magnitudes above {@code threshold}, and the first {@code equalToKeep} equal to it. */
  static GraftTensor top(TensorInfo info, Tensor base, Tensor tuned, float threshold, long equalToKeep) {
    return new GraftTensor(info, base, tuned, null, magnitudeBits(threshold), equalToKeep);
  }

  /** Grafts where {@code mask} (BOOL or U8, validated 0/1) is non-zero. */
  static GraftTensor masked(TensorInfo info, Tensor base, Tensor tuned, Tensor mask) {
    return new GraftTensor(info, base, tuned, mask, 0, 0);
  }

  /** The bits of {@code |x|}, which order like the magnitudes (NaN above +∞), as in MagnitudeSelect. */
  static int magnitudeBits(float x) {
    return Float.floatToRawIntBits(x) & 0x7fffffff;
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException("grafted tensor " + info.name() + " is computed: read it with readFloats");
  }

  @Override
  public synchronized void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    if (tunedScratch.length < length) { // scratch for the tuned values, reused (readFloats is synchronized)
      tunedScratch = new float[length];
    }
    float[] t = tunedScratch;
    base.readFloats(fromElement, dst, offset, length);
    tuned.readFloats(fromElement, t, 0, length);
    if (maskTensor != null) {
      MemorySegment m = maskTensor.bytes();
      for (int i = 0; i < length; i++) {
        if (m.get(ValueLayout.JAVA_BYTE, fromElement + i) != 0) {
          dst[offset + i] = t[i];
        }
      }
      return;
    }
    if (fromElement != cursor) {
      equalsBeforeCursor = countEqual(fromElement);
      cursor = fromElement;
    }
    long equals = equalsBeforeCursor;
    for (int i = 0; i < length; i++) {
      int bits = magnitudeBits(t[i] - dst[offset + i]);
      if (bits > thresholdBits || (bits == thresholdBits && equals++ < equalToKeep)) {
        dst[offset + i] = t[i];
      }
    }
    equalsBeforeCursor = equals;
    cursor = fromElement + length;
  }

  /** The whole mask of this tensor, 1 = grafted (computed afresh, chunk by chunk). */
  byte[] maskBytes() {
    long n = info.elementCount();
    if (n > Integer.MAX_VALUE - 8) {
      throw new io.cpt4j.merge.MergeException("tensor " + info.name() + " has " + n
          + " elements, too many for one mask tensor");
    }
    byte[] out = new byte[(int) n];
    if (maskTensor != null) {
      MemorySegment.copy(maskTensor.bytes(), ValueLayout.JAVA_BYTE, 0, out, 0, (int) n);
      return out;
    }
    long[] equalsSoFar = {0};
    forEachChunk(n, (e, b, t, len) -> {
      long equals = equalsSoFar[0];
      for (int i = 0; i < len; i++) {
        int bits = magnitudeBits(t[i] - b[i]);
        if (bits > thresholdBits || (bits == thresholdBits && equals++ < equalToKeep)) {
          out[(int) e + i] = 1;
        }
      }
      equalsSoFar[0] = equals;
    });
    return out;
  }

  /** Entries in {@code [0, end)} whose magnitude equals the threshold. */
  private long countEqual(long end) {
    long[] count = {0};
    forEachChunk(end, (e, b, t, len) -> {
      long c = count[0];
      for (int i = 0; i < len; i++) {
        if (magnitudeBits(t[i] - b[i]) == thresholdBits) {
          c++;
        }
      }
      count[0] = c;
    });
    return count[0];
  }

  /** A chunk of base ({@code b}) and tuned ({@code t}) values: elements {@code [from, from + length)}. */
  private interface ChunkVisitor {
    void visit(long from, float[] b, float[] t, int length);
  }

  /** Reads base and tuned over {@code [0, end)} chunk by chunk, in order, and hands each chunk to {@code visitor}. */
  private void forEachChunk(long end, ChunkVisitor visitor) {
    int chunk = (int) Math.min(GraftRun.CHUNK, Math.max(1, end));
    float[] b = new float[chunk];
    float[] t = new float[chunk];
    for (long e = 0; e < end; e += chunk) {
      int len = (int) Math.min(chunk, end - e);
      base.readFloats(e, b, 0, len);
      tuned.readFloats(e, t, 0, len);
      visitor.visit(e, b, t, len);
    }
  }
}
