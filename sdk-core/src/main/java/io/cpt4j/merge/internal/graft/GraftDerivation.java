package io.cpt4j.merge.internal.graft;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.Scratch;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@link Derivation} of one grafted tensor: {@code mask ? tuned : base} per entry. The mask is
 * either a mask-file tensor (non-zero byte = graft) or a top-k rule on {@code |tuned − base|}:
 * magnitudes above the threshold are grafted, and the first {@code equalToKeep} entries equal to it
 * in index order. Not {@link #parallel}: ranges are computed in the order asked for, and sequential
 * reads (what the checkpoint writer does) cost one pass; a range elsewhere first recounts the
 * threshold-equal entries before it. The derived tensor serialises the calls.
 */
final class GraftDerivation implements Derivation {
  private final long count;
  private final String name;
  private final Tensor base;
  private final Tensor tuned;
  private final Tensor maskTensor;
  private final int thresholdBits;
  private final long equalToKeep;
  private long cursor; // guarded by this (the derived tensor computes under its lock)
  private long equalsBeforeCursor;

  private GraftDerivation(TensorInfo info, Tensor base, Tensor tuned, Tensor mask, int thresholdBits,
      long equalToKeep) {
    this.count = info.elementCount();
    this.name = info.name();
    this.base = base;
    this.tuned = tuned;
    this.maskTensor = mask;
    this.thresholdBits = thresholdBits;
    this.equalToKeep = equalToKeep;
  }

  /** Grafts magnitudes above {@code threshold}, and the first {@code equalToKeep} equal to it. */
  static GraftDerivation top(TensorInfo info, Tensor base, Tensor tuned, float threshold, long equalToKeep) {
    return new GraftDerivation(info, base, tuned, null, MagnitudeSelect.magnitudeBits(threshold), equalToKeep);
  }

  /** Grafts where {@code mask} (BOOL or U8, validated 0/1) is non-zero. */
  static GraftDerivation masked(TensorInfo info, Tensor base, Tensor tuned, Tensor mask) {
    return new GraftDerivation(info, base, tuned, mask, 0, 0);
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public boolean parallel() {
    return false;
  }

  @Override
  public void compute(long from, int n, float[] out, int off, Scratch scratch) {
    float[] t = scratch.work(0);
    base.readFloats(from, out, off, n);
    tuned.readFloats(from, t, 0, n);
    if (maskTensor != null) {
      MemorySegment m = maskTensor.bytes();
      for (int i = 0; i < n; i++) {
        if (m.get(ValueLayout.JAVA_BYTE, from + i) != 0) {
          out[off + i] = t[i];
        }
      }
      return;
    }
    synchronized (this) {
      if (from != cursor) {
        equalsBeforeCursor = countEqual(from);
        cursor = from;
      }
      long equals = equalsBeforeCursor;
      for (int i = 0; i < n; i++) {
        int bits = MagnitudeSelect.magnitudeBits(t[i] - out[off + i]);
        if (bits > thresholdBits || (bits == thresholdBits && equals++ < equalToKeep)) {
          out[off + i] = t[i];
        }
      }
      equalsBeforeCursor = equals;
      cursor = from + n;
    }
  }

  /** The whole mask of this tensor, 1 = grafted (computed afresh, chunk by chunk). */
  byte[] maskBytes() {
    if (count > Integer.MAX_VALUE - 8) {
      throw new MergeException("tensor " + name + " has " + count + " elements, too many for one mask tensor");
    }
    byte[] out = new byte[(int) count];
    if (maskTensor != null) {
      MemorySegment.copy(maskTensor.bytes(), ValueLayout.JAVA_BYTE, 0, out, 0, (int) count);
      return out;
    }
    long[] equalsSoFar = {0};
    forEachChunk(count, (e, b, t, len) -> {
      long equals = equalsSoFar[0];
      for (int i = 0; i < len; i++) {
        int bits = MagnitudeSelect.magnitudeBits(t[i] - b[i]);
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
    long[] equal = {0};
    forEachChunk(end, (e, b, t, len) -> {
      long c = equal[0];
      for (int i = 0; i < len; i++) {
        if (MagnitudeSelect.magnitudeBits(t[i] - b[i]) == thresholdBits) {
          c++;
        }
      }
      equal[0] = c;
    });
    return equal[0];
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
