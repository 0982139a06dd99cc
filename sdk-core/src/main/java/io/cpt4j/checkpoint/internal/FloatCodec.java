package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between stored float formats (little-endian, as in safetensors) and Java floats.
 * Widening F16 and BF16 is exact; narrowing rounds to nearest, ties to even (NaN stays NaN,
 * overflow becomes infinity), as PyTorch's {@code .to(dtype)} does.
 */
public final class FloatCodec {
  private FloatCodec() {}

  static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfDouble LE_DOUBLE =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt NE_INT = ValueLayout.JAVA_INT_UNALIGNED;
  static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static final int CHUNK = 8192;

  /** bfloat16 bits to float: the upper half of a float32, so exact. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }

  /** float to bfloat16 bits, round-to-nearest-even; NaN becomes a quiet NaN with the same sign. */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /**
   * Reads {@code n} elements of type {@code type} starting at byte {@code byteOffset} of {@code src}
   * into {@code dst[off..off+n)} as floats.
   */
  public static void decode(DType type, MemorySegment src, long byteOffset, float[] dst, int off, int n) {
    switch (type) {
      case F32 -> MemorySegment.copy(src, LE_FLOAT, byteOffset, dst, off, n);
      case BF16 -> decodeBf16(src, byteOffset, dst, off, n);
      case F16 -> {
        short[] scratch = new short[Math.min(n, CHUNK)];
        for (int done = 0; done < n; ) {
          int m = Math.min(scratch.length, n - done);
          MemorySegment.copy(src, LE_SHORT, byteOffset + 2L * done, scratch, 0, m);
          int base = off + done;
          for (int i = 0; i < m; i++) {
            dst[base + i] = Float.float16ToFloat(scratch[i]);
          }
          done += m;
        }
      }
      case F64 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = (float) src.get(LE_DOUBLE, byteOffset + 8L * i);
        }
      }
      default -> throw new UnsupportedOperationException(type + " tensors cannot be read as floats; read bytes()");
    }
  }

  /**
   * BF16 widening: each value is the upper half of a float32's bits. Reads two values per int and
   * writes the float bits through an int view of the destination, a loop C2 vectorises.
   */
  private static void decodeBf16(MemorySegment src, long byteOffset, float[] dst, int off, int n) {
    MemorySegment out = MemorySegment.ofArray(dst);
    long o = 4L * off;
    int pairs = n / 2;
    for (int i = 0; i < pairs; i++) {
      int v = src.get(LE_INT, byteOffset + 4L * i);
      out.set(NE_INT, o + 8L * i, v << 16);
      out.set(NE_INT, o + 8L * i + 4, v & 0xffff0000);
    }
    if ((n & 1) != 0) {
      dst[off + n - 1] = bf16ToFloat(src.get(LE_SHORT, byteOffset + 2L * (n - 1)));
    }
  }

  /**
   * {@link #floatToBf16} over an array, branch-free: the float bits are read through an int view of
   * the source, a loop C2 vectorises (it does not vectorise floatToRawIntBits or the NaN branch).
   */
  private static void encodeBf16(float[] src, int off, int n, MemorySegment dst, long byteOffset) {
    MemorySegment in = MemorySegment.ofArray(src);
    short[] scratch = new short[Math.min(n, CHUNK)];
    int[] wide = new int[scratch.length];
    for (int done = 0; done < n; ) {
      int m = Math.min(scratch.length, n - done);
      long o = 4L * (off + done);
      for (int i = 0; i < m; i++) {
        int bits = in.get(NE_INT, o + 4L * i);
        int nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31; // all ones for a NaN
        int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
        int quiet = (bits >>> 16) | 0x0040;
        wide[i] = (rounded & ~nan) | (quiet & nan);
      }
      for (int i = 0; i < m; i++) {
        scratch[i] = (short) wide[i];
      }
      MemorySegment.copy(scratch, 0, dst, LE_SHORT, byteOffset + 2L * done, m);
      done += m;
    }
  }

  /**
   * Writes {@code n} floats from {@code src[off..]} as {@code type} into {@code dst} at byte {@code
   * byteOffset} (little-endian, narrowing with round-to-nearest-even).
   */
  public static void encode(DType type, float[] src, int off, int n, MemorySegment dst, long byteOffset) {
    switch (type) {
      case F32 -> MemorySegment.copy(src, off, dst, LE_FLOAT, byteOffset, n);
      case BF16 -> encodeBf16(src, off, n, dst, byteOffset);
      case F16 -> {
        short[] scratch = new short[Math.min(n, CHUNK)];
        for (int done = 0; done < n; ) {
          int m = Math.min(scratch.length, n - done);
          int base = off + done;
          for (int i = 0; i < m; i++) {
            scratch[i] = Float.floatToFloat16(src[base + i]);
          }
          MemorySegment.copy(scratch, 0, dst, LE_SHORT, byteOffset + 2L * done, m);
          done += m;
        }
      }
      case F64 -> {
        for (int i = 0; i < n; i++) {
          dst.set(LE_DOUBLE, byteOffset + 8L * i, src[off + i]);
        }
      }
      default -> throw new UnsupportedOperationException("cannot write floats as " + type);
    }
  }
}
