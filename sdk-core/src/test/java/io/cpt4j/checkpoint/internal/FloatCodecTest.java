package io.cpt4j.checkpoint.internal;

import static io.cpt4j.checkpoint.TestCheckpoints.referenceBf16;
import static io.cpt4j.checkpoint.TestCheckpoints.referenceF16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * F16/BF16 widening is exact and narrowing rounds to nearest, ties to even. Expected values come
 * from independent references: the BF16 definition ({@code bits << 16}), an F16 decoder written in
 * double arithmetic here, and {@link io.cpt4j.checkpoint.TestCheckpoints#referenceRound}.
 */
class FloatCodecTest {

  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  // ------------------------------------------------------------------------ widening

  @Test
  void bf16WideningIsTheUpperHalfOfAFloatForAllBitPatterns() {
    float[] decoded = decodeAll(DType.BF16);
    for (int b = 0; b < 0x10000; b++) {
      int definition = b << 16;
      assertThat(Float.floatToRawIntBits(FloatCodec.bf16ToFloat((short) b))).as("bf16 0x%04x", b).isEqualTo(definition);
      assertThat(Float.floatToRawIntBits(decoded[b])).as("bulk bf16 0x%04x", b).isEqualTo(definition);
    }
  }

  @Test
  void f16WideningIsExactForAllBitPatterns() {
    float[] decoded = decodeAll(DType.F16);
    for (int b = 0; b < 0x10000; b++) {
      double expected = f16Value(b);
      if (Double.isNaN(expected)) {
        assertThat(decoded[b]).as("f16 0x%04x", b).isNaN();
      } else {
        assertThat((double) decoded[b]).as("f16 0x%04x", b).isEqualTo(expected);
        assertThat(Float.floatToRawIntBits(decoded[b])).as("sign of f16 0x%04x", b)
            .isEqualTo(Float.floatToRawIntBits((float) expected));
      }
    }
  }

  /** IEEE binary16 from its fields: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
  private static double f16Value(int bits) {
    int sign = (bits >> 15) & 1;
    int exponent = (bits >> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    double magnitude;
    if (exponent == 0x1f) {
      magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (exponent == 0) {
      magnitude = mantissa * Math.pow(2, -24);
    } else {
      magnitude = (1024 + mantissa) * Math.pow(2, exponent - 25);
    }
    return sign == 1 ? -magnitude : magnitude;
  }

  private static float[] decodeAll(DType type) {
    MemorySegment seg = Arena.ofAuto().allocate(2L * 0x10000 + 1);
    for (int b = 0; b < 0x10000; b++) {
      seg.set(LE_SHORT, 1 + 2L * b, (short) b); // odd offset: unaligned reads must work too
    }
    float[] out = new float[0x10000];
    FloatCodec.decode(type, seg, 1, out, 0, out.length);
    return out;
  }

  // ------------------------------------------------------------------------ BF16 narrowing

  @Test
  void bf16NarrowingMatchesTheReferenceAroundEveryBf16Value() {
    int[] lows = {0, 1, 0x3fff, 0x7fff, 0x8000, 0x8001, 0xc000, 0xffff};
    Random r = new Random(1);
    float[] xs = new float[0x10000 * (lows.length + 1)];
    int n = 0;
    for (int hi = 0; hi < 0x10000; hi++) {
      for (int lo : lows) {
        xs[n++] = Float.intBitsToFloat((hi << 16) | lo);
      }
      xs[n++] = Float.intBitsToFloat((hi << 16) | r.nextInt(0x10000));
    }
    assertNarrowing(DType.BF16, xs, x -> referenceBf16(x));
  }

  @Test
  void bf16NarrowingMatchesTheReferenceForRandomFloats() {
    Random r = new Random(2);
    float[] xs = new float[1 << 20];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = Float.intBitsToFloat(r.nextInt());
    }
    assertNarrowing(DType.BF16, xs, x -> referenceBf16(x));
  }

  @Test
  void bf16NarrowingRoundsTiesToEven() {
    assertThat(bf16(1 + 0x1p-8f)).isEqualTo(1f);                          // tie, 1.0 is even
    assertThat(bf16(1 + 3 * 0x1p-8f)).isEqualTo(1 + 0x1p-6f);             // tie, 1+2^-7 is odd
    assertThat(bf16(1 + 0x1p-8f + 0x1p-23f)).isEqualTo(1 + 0x1p-7f);      // just above the tie
    assertThat(bf16(1 + 0x1p-8f - 0x1p-23f)).isEqualTo(1f);               // just below the tie
    assertThat(bf16(-(1 + 0x1p-8f))).isEqualTo(-1f);
    assertThat(bf16(-(1 + 3 * 0x1p-8f))).isEqualTo(-(1 + 0x1p-6f));
    assertThat(bf16(255.5f)).isEqualTo(256f);                              // 255.5 ties 255 and 256
    assertThat(bf16(254.5f)).isEqualTo(254f);                              // 254 is even
  }

  @Test
  void bf16NarrowingRoundsSubnormalsToNearestEven() {
    float unit = 0x1p-133f; // the smallest BF16 subnormal
    assertThat(bf16(unit)).isEqualTo(unit);
    assertThat(bf16(0.5f * unit)).isEqualTo(0f);                           // tie between 0 and 1 unit
    assertThat(bf16(Float.intBitsToFloat(0x00008001))).isEqualTo(unit);    // just above that tie
    assertThat(bf16(1.5f * unit)).isEqualTo(2 * unit);                     // tie between 1 and 2 units
    assertThat(bf16(2.5f * unit)).isEqualTo(2 * unit);                     // tie between 2 and 3 units
    assertThat(bf16(Float.MIN_VALUE)).isEqualTo(0f);
    assertThat(Float.floatToRawIntBits(bf16(-Float.MIN_VALUE))).isEqualTo(0x80000000); // -0
    assertThat(bf16(Float.intBitsToFloat(0x007fffff))).isEqualTo(Float.MIN_NORMAL); // rounds up to normal
  }

  @Test
  void bf16NarrowingOverflowsToInfinity() {
    float maxBf16 = Float.intBitsToFloat(0x7f7f0000);
    assertThat(bf16(Float.intBitsToFloat(0x7f7f7fff))).isEqualTo(maxBf16);
    assertThat(bf16(Float.intBitsToFloat(0x7f7f8000))).isEqualTo(Float.POSITIVE_INFINITY); // tie, odd below
    assertThat(bf16(Float.MAX_VALUE)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(bf16(-Float.MAX_VALUE)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(bf16(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(bf16(Float.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void bf16NarrowingKeepsNanAsNanWithItsSign() {
    int[] nans = {0x7fc00000, 0x7f800001, 0x7f80ffff, 0x7fffffff, 0xffc00000, 0xff800001};
    for (int bits : nans) {
      short b = FloatCodec.floatToBf16(Float.intBitsToFloat(bits));
      float back = FloatCodec.bf16ToFloat(b);
      assertThat(back).as("NaN 0x%08x", bits).isNaN();
      assertThat(b < 0).as("sign of NaN 0x%08x", bits).isEqualTo(bits < 0);
    }
    assertThat(Float.floatToRawIntBits(bf16(-0.0f))).isEqualTo(0x80000000);
  }

  // ------------------------------------------------------------------------ F16 narrowing

  @Test
  void f16NarrowingMatchesTheReferenceAtAndBetweenEveryF16Value() {
    float[] xs = new float[0x10000 * 4];
    int n = 0;
    for (int b = 0; b < 0x10000; b++) {
      double v = f16Value(b);
      double next = f16Value((b & 0x8000) | ((b & 0x7fff) + 1));
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        continue;
      }
      if (Double.isInfinite(next)) {
        next = Math.copySign(65536.0, v); // where the next binade would start
      }
      float mid = (float) ((v + next) / 2); // exact: F16 has 11 significant bits, float 24
      xs[n++] = (float) v;
      xs[n++] = mid;
      xs[n++] = Math.nextUp(mid);
      xs[n++] = Math.nextDown(mid);
    }
    assertNarrowing(DType.F16, java.util.Arrays.copyOf(xs, n), x -> referenceF16(x));
  }

  @Test
  void f16NarrowingMatchesTheReferenceForRandomFloats() {
    Random r = new Random(3);
    float[] xs = new float[1 << 20];
    for (int i = 0; i < xs.length; i++) {
      // Half uniform bit patterns, half values in and around the F16 range.
      xs[i] = i % 2 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) Math.scalb(r.nextDouble() * 2 - 1, r.nextInt(48) - 30);
    }
    assertNarrowing(DType.F16, xs, x -> referenceF16(x));
  }

  @Test
  void f16NarrowingRoundsTiesToEven() {
    assertThat(f16(1 + 0x1p-11f)).isEqualTo(1f);
    assertThat(f16(1 + 3 * 0x1p-11f)).isEqualTo(1 + 0x1p-9f);
    assertThat(f16(2049f)).isEqualTo(2048f);   // spacing 2 above 2048: 2049 ties 2048 and 2050
    assertThat(f16(2051f)).isEqualTo(2052f);
    assertThat(f16(-2051f)).isEqualTo(-2052f);
    assertThat(f16(2049.001f)).isEqualTo(2050f);
  }

  @Test
  void f16NarrowingRoundsSubnormalsToNearestEven() {
    float unit = 0x1p-24f; // the smallest F16 subnormal
    assertThat(f16(unit)).isEqualTo(unit);
    assertThat(f16(0x1p-25f)).isEqualTo(0f);            // tie between 0 and 1 unit
    assertThat(f16(Math.nextUp(0x1p-25f))).isEqualTo(unit);
    assertThat(f16(3 * 0x1p-25f)).isEqualTo(2 * unit);  // tie between 1 and 2 units
    assertThat(f16(0x1p-14f)).isEqualTo(0x1p-14f);      // smallest normal
    assertThat(f16(1023.5f * unit)).isEqualTo(1024 * unit); // largest subnormal + half rounds to normal
    assertThat(Float.floatToRawIntBits(f16(-1e-30f))).isEqualTo(0x80000000);
  }

  @Test
  void f16NarrowingOverflowsToInfinity() {
    assertThat(f16(65504f)).isEqualTo(65504f);
    assertThat(f16(Math.nextDown(65520f))).isEqualTo(65504f);
    assertThat(f16(65520f)).isEqualTo(Float.POSITIVE_INFINITY); // tie: 65504 is odd, 65536 overflows
    assertThat(f16(-65520f)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(f16(1e6f)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(f16(Float.MAX_VALUE)).isEqualTo(Float.POSITIVE_INFINITY);
  }

  @Test
  void f16NarrowingKeepsNanAsNan() {
    for (int bits : new int[] {0x7fc00000, 0x7f800001, 0xffc00000, 0x7f802000}) {
      assertThat(f16(Float.intBitsToFloat(bits))).as("NaN 0x%08x", bits).isNaN();
    }
  }

  // ------------------------------------------------------------------------ layout

  @Test
  void encodingWritesLittleEndianAtAnyByteOffset() {
    MemorySegment seg = MemorySegment.ofArray(new byte[16]);
    FloatCodec.encode(DType.BF16, new float[] {1f, -2f}, 0, 2, seg, 3);
    assertThat(seg.asSlice(3, 4).toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x80, 0x3f, 0x00, 0xc0);
    FloatCodec.encode(DType.F16, new float[] {1f}, 0, 1, seg, 9);
    assertThat(seg.asSlice(9, 2).toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x00, 0x3c);
    FloatCodec.encode(DType.F32, new float[] {1f}, 0, 1, seg, 11);
    assertThat(seg.asSlice(11, 4).toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x00, 0x00, 0x80, 0x3f);
  }

  @Test
  void f64ReadsRoundToNearestFloat() {
    MemorySegment seg = MemorySegment.ofArray(new byte[24]);
    double[] values = {1 + 0x1p-24, 1 + 3 * 0x1p-24, 1e300};
    for (int i = 0; i < values.length; i++) {
      seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i, values[i]);
    }
    float[] out = new float[3];
    FloatCodec.decode(DType.F64, seg, 0, out, 0, 3);
    assertThat(out).containsExactly(1f, 1 + 0x1p-22f, Float.POSITIVE_INFINITY);
  }

  @Test
  void integerTypesAreNotDecodedAsFloats() {
    MemorySegment seg = MemorySegment.ofArray(new byte[8]);
    for (DType t : new DType[] {DType.I64, DType.I32, DType.I16, DType.I8, DType.U8, DType.BOOL}) {
      assertThatThrownBy(() -> FloatCodec.decode(t, seg, 0, new float[1], 0, 1))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("bytes()");
      assertThatThrownBy(() -> FloatCodec.encode(t, new float[1], 0, 1, seg, 0))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }

  // ------------------------------------------------------------------------ helpers

  /** Encodes {@code xs} in bulk, decodes them back, and compares each with the reference. */
  private static void assertNarrowing(DType type, float[] xs, UnaryOperator<Float> reference) {
    MemorySegment seg = Arena.ofAuto().allocate(2L * xs.length);
    FloatCodec.encode(type, xs, 0, xs.length, seg, 0);
    float[] back = new float[xs.length];
    FloatCodec.decode(type, seg, 0, back, 0, xs.length);
    for (int i = 0; i < xs.length; i++) {
      float expected = reference.apply(xs[i]);
      if (Float.isNaN(expected)) {
        if (!Float.isNaN(back[i])) {
          throw new AssertionError(String.format("%s(0x%08x) should be NaN, got %s", type,
              Float.floatToRawIntBits(xs[i]), back[i]));
        }
      } else if (Float.floatToRawIntBits(back[i]) != Float.floatToRawIntBits(expected)) {
        throw new AssertionError(String.format("%s(%s = 0x%08x) should be %s (0x%08x), got %s (0x%08x)", type,
            xs[i], Float.floatToRawIntBits(xs[i]), expected, Float.floatToRawIntBits(expected),
            back[i], Float.floatToRawIntBits(back[i])));
      }
    }
  }

  private static float bf16(float x) {
    float scalar = FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(x));
    assertThat(Float.floatToIntBits(scalar)).as("reference for %s", x).isEqualTo(Float.floatToIntBits(referenceBf16(x)));
    return roundTrip(DType.BF16, x);
  }

  private static float f16(float x) {
    assertThat(Float.floatToIntBits(roundTrip(DType.F16, x))).as("reference for %s", x)
        .isEqualTo(Float.floatToIntBits(referenceF16(x)));
    return roundTrip(DType.F16, x);
  }

  private static float roundTrip(DType type, float x) {
    MemorySegment seg = MemorySegment.ofArray(new byte[2]);
    FloatCodec.encode(type, new float[] {x}, 0, 1, seg, 0);
    float[] out = new float[1];
    FloatCodec.decode(type, seg, 0, out, 0, 1);
    return out[0];
  }
}
