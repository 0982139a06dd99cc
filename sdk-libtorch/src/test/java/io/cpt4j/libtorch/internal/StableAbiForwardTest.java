package io.cpt4j.libtorch.internal;

import static io.cpt4j.libtorch.internal.Reference.maxAbsDiff;
import static io.cpt4j.libtorch.internal.Reference.normal;
import static io.cpt4j.libtorch.internal.Reference.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.BackendException;
import io.cpt4j.libtorch.internal.Dispatcher.Dtype;
import io.cpt4j.libtorch.internal.Dispatcher.Some;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Spike, part 1 (issue 23): float32 tensors made from Java memory go through aten ops called by
 * name on the wheel's libtorch, and the results equal a float64 reference computed in Java. The
 * tolerance, 1e-5 absolute on values of order one, is float32 rounding over sums of a few dozen
 * terms. Skipped without {@code CPT4J_LIBTORCH}.
 */
class StableAbiForwardTest {
  private static final double F32 = 1e-5;

  @Test
  void matmulBroadcastsABatchAgainstOneMatrix() {
    LibTorch torch = Torch.require();
    float[] a = normal(1, 2 * 3 * 4, 1);
    float[] b = normal(2, 4 * 5, 1);
    try (TorchTensor ta = TorchTensor.of(torch, a, 2, 3, 4);
        TorchTensor tb = TorchTensor.of(torch, b, 4, 5);
        TorchTensor c = Dispatcher.tensor(torch, "aten::matmul", "", ta, tb)) {
      assertThat(c.shape()).containsExactly(2, 3, 5);
      assertThat(maxAbsDiff(Reference.matmul(widen(a), widen(b), 2, 3, 4, 5), widen(c.floats()))).isLessThan(F32);
    }
  }

  @Test
  void softmaxAndItsUnderscoreFormAgreeWithTheReference() {
    LibTorch torch = Torch.require();
    float[] x = normal(3, 4 * 9, 3);
    double[] expected = Reference.softmax(widen(x), 4, 9);
    try (TorchTensor tx = TorchTensor.of(torch, x, 4, 9);
        TorchTensor p = Dispatcher.tensor(torch, "aten::_softmax", "", tx, -1L, false);
        TorchTensor q = Dispatcher.tensor(torch, "aten::softmax", "int", tx, 1L, null)) {
      assertThat(maxAbsDiff(expected, widen(p.floats()))).isLessThan(F32);
      assertThat(maxAbsDiff(expected, widen(q.floats()))).isLessThan(F32);
    }
  }

  @Test
  void scaledDotProductAttentionIsCausalOrFollowsABlockDiagonalMask() {
    LibTorch torch = Torch.require();
    int b = 2;
    int h = 2;
    int t = 5;
    int d = 4;
    float[] q = normal(4, b * h * t * d, 1);
    float[] k = normal(5, b * h * t * d, 1);
    float[] v = normal(6, b * h * t * d, 1);
    // Two documents packed in one row: positions 0-2 and 3-4, causal inside each.
    boolean[][] blocks = Reference.causal(t);
    long[] allowed = new long[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < t; j++) {
        blocks[i][j] &= (i < 3) == (j < 3);
        allowed[i * t + j] = blocks[i][j] ? 1 : 0;
      }
    }
    try (TorchTensor tq = TorchTensor.of(torch, q, b, h, t, d);
        TorchTensor tk = TorchTensor.of(torch, k, b, h, t, d);
        TorchTensor tv = TorchTensor.of(torch, v, b, h, t, d);
        TorchTensor flags = TorchTensor.ofLongs(torch, allowed, t, t);
        TorchTensor mask = Dispatcher.tensor(torch, "aten::_to_copy", "", flags, new Some(new Dtype(torch.bool)),
            null, null, null, false, null);
        TorchTensor causal = Dispatcher.tensor(torch, "aten::scaled_dot_product_attention", "", tq, tk, tv, null, 0.0,
            true, null, false);
        TorchTensor packed = Dispatcher.tensor(torch, "aten::scaled_dot_product_attention", "", tq, tk, tv,
            new Some(mask), 0.0, false, new Some(0.5), false)) {
      assertThat(mask.dtype()).isEqualTo(torch.bool);
      assertThat(maxAbsDiff(Reference.attention(widen(q), widen(k), widen(v), b * h, t, d, Reference.causal(t)),
          widen(causal.floats()))).isLessThan(F32);
      // scale = 0.5 = 1/sqrt(4), so the explicit scale equals the default one.
      assertThat(maxAbsDiff(Reference.attention(widen(q), widen(k), widen(v), b * h, t, d, blocks),
          widen(packed.floats()))).isLessThan(F32);
    }
  }

  @Test
  void crossEntropySkipsTheIgnoredTarget() {
    LibTorch torch = Torch.require();
    float[] logits = normal(7, 6 * 7, 2);
    long[] targets = {3, 0, -100, 6, 2, 2};
    try (TorchTensor tl = TorchTensor.of(torch, logits, 6, 7);
        TorchTensor tt = TorchTensor.ofLongs(torch, targets, 6);
        TorchTensor loss = Dispatcher.tensor(torch, "aten::cross_entropy_loss", "", tl, tt, null, 1L, -100L, 0.0)) {
      assertThat(loss.shape()).isEmpty();
      assertThat((double) loss.floats()[0]).isCloseTo(Reference.crossEntropy(widen(logits), targets, 7, -100),
          org.assertj.core.data.Offset.offset(F32));
    }
  }

  @Test
  void aWrappedSegmentIsSharedNotCopied() {
    LibTorch torch = Torch.require();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment memory = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4);
      try (TorchTensor x = TorchTensor.wrap(torch, memory, torch.float32, 2, 2);
          TorchTensor before = Dispatcher.tensor(torch, "aten::matmul", "", x, x)) {
        memory.setAtIndex(ValueLayout.JAVA_FLOAT, 3, 0);
        try (TorchTensor after = Dispatcher.tensor(torch, "aten::matmul", "", x, x)) {
          assertThat(before.floats()).containsExactly(7, 10, 15, 22);
          assertThat(after.floats()).containsExactly(7, 2, 3, 6);
        }
      }
    }
  }

  @Test
  void anOpWithAScalarParameterCannotBeCalledThroughTheStableAbi() {
    LibTorch torch = Torch.require();
    try (TorchTensor a = TorchTensor.of(torch, new float[] {1, 2}, 2)) {
      assertThatThrownBy(() -> Dispatcher.tensor(torch, "aten::add", "Tensor", a, a, 1L))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("aten::add.Tensor")
          .hasMessageContaining("Scalar");
    }
  }

  @Test
  void addingIsTheStableSubtractShimWithAlphaMinusOneAndAutogradRecordsIt() {
    LibTorch torch = Torch.require();
    try (TorchTensor a = TorchTensor.of(torch, new float[] {1, 2, 3}, 3).requiresGrad(true);
        TorchTensor b = TorchTensor.of(torch, new float[] {10, 20, 30}, 3);
        TorchTensor sum = Dispatcher.subtract(torch, a, b, -1);
        TorchTensor aGrad = StableAbiAutogradTest.seedGrad(torch, a);
        TorchTensor total = Dispatcher.tensor(torch, "aten::sum", "", sum, null)) {
      assertThat(sum.floats()).containsExactly(11, 22, 33);
      Dispatcher.call(torch, "aten::_backward", "", total, java.util.List.of(), null, null, false);
      assertThat(aGrad.floats()).containsExactly(1, 1, 1);
    }
  }
}
