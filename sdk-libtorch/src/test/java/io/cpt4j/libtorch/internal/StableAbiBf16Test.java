package io.cpt4j.libtorch.internal;

import static io.cpt4j.libtorch.internal.Reference.normal;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Spike, part 3 (issue 23): bfloat16 tensors made in Java (rounded to nearest even), multiplied and
 * attended over by libtorch on the CPU, read back as raw bits and widened in Java. The reference is
 * float64 over the same rounded inputs, so the only error left is torch's: one bfloat16 rounding of
 * each output (relative 2^-9) plus accumulation, bounded here by 2^-8 relative plus 2^-8 times the
 * output's scale.
 */
class StableAbiBf16Test {
  @Test
  void bf16MatmulMatchesTheReferenceWithinOneRounding() {
    LibTorch torch = Torch.require();
    int m = 32;
    int k = 256;
    int n = 48;
    short[] a = bf16(normal(30, m * k, 1));
    short[] b = bf16(normal(31, k * n, 1));
    try (TorchTensor ta = TorchTensor.ofBf16Bits(torch, a, m, k);
        TorchTensor tb = TorchTensor.ofBf16Bits(torch, b, k, n);
        TorchTensor c = Dispatcher.tensor(torch, "aten::matmul", "", ta, tb)) {
      assertThat(c.dtype()).isEqualTo(torch.bfloat16);
      double[] expected = Reference.matmul(widen(a), widen(b), 1, m, k, n);
      assertWithinBf16(expected, widen(c.bf16Bits()));
    }
  }

  @Test
  void bf16AttentionRunsOnTheCpuFlashKernel() {
    LibTorch torch = Torch.require();
    int heads = 2 * 4;
    int t = 64;
    int d = 32;
    short[] q = bf16(normal(32, heads * t * d, 1));
    short[] k = bf16(normal(33, heads * t * d, 1));
    short[] v = bf16(normal(34, heads * t * d, 1));
    double[] expected = Reference.attention(widen(q), widen(k), widen(v), heads, t, d, Reference.causal(t));
    try (TorchTensor tq = TorchTensor.ofBf16Bits(torch, q, 2, 4, t, d);
        TorchTensor tk = TorchTensor.ofBf16Bits(torch, k, 2, 4, t, d);
        TorchTensor tv = TorchTensor.ofBf16Bits(torch, v, 2, 4, t, d);
        TorchTensor sdpa = Dispatcher.tensor(torch, "aten::scaled_dot_product_attention", "", tq, tk, tv, null, 0.0,
            true, null, false)) {
      Dispatcher.Result flash = Dispatcher.call(torch, "aten::_scaled_dot_product_flash_attention_for_cpu", "", tq, tk,
          tv, 0.0, true, null, null);
      try (TorchTensor out = flash.tensor(0); TorchTensor logsumexp = flash.tensor(1)) {
        assertThat(sdpa.dtype()).isEqualTo(torch.bfloat16);
        assertThat(out.dtype()).isEqualTo(torch.bfloat16);
        assertThat(logsumexp.shape()).containsExactly(2, 4, t);
        assertWithinBf16(expected, widen(sdpa.bf16Bits()));
        assertWithinBf16(expected, widen(out.bf16Bits()));
      }
    }
  }

  private static void assertWithinBf16(double[] expected, double[] actual) {
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      double bound = Math.scalb(Math.abs(expected[i]) + scale, -8);
      assertThat(Math.abs(actual[i] - expected[i])).as("element %d: %s vs %s", i, actual[i], expected[i])
          .isLessThanOrEqualTo(bound);
    }
  }

  private static short[] bf16(float[] values) {
    short[] bits = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Reference.bf16(values[i]);
    }
    return bits;
  }

  private static double[] widen(short[] bits) {
    double[] out = new double[bits.length];
    for (int i = 0; i < bits.length; i++) {
      out[i] = Reference.widenBf16(bits[i]);
    }
    return out;
  }
}
