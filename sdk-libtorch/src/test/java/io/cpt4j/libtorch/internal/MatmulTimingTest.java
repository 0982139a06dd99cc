package io.cpt4j.libtorch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cost of the FFM route on one 1024 x 1024 x 1024 float32 matmul: median wall time of 20 calls
 * through {@code torch_call_dispatcher} after 5 warm-up calls, printed for docs/libtorch.md. The
 * per-call overhead of the binding (stack encoding, handle copies) is measured on a 1 x 1 matmul.
 */
class MatmulTimingTest {
  @Test
  void timesA1024MatmulThroughTheDispatcher() {
    LibTorch torch = Torch.require();
    int n = 1024;
    float[] a = Reference.normal(40, n * n, 1);
    float[] b = Reference.normal(41, n * n, 1);
    try (TorchTensor ta = TorchTensor.of(torch, a, n, n);
        TorchTensor tb = TorchTensor.of(torch, b, n, n);
        TorchTensor one = TorchTensor.of(torch, new float[] {2}, 1, 1)) {
      double big = medianMillis(torch, ta, tb, 5, 20);
      double tiny = medianMillis(torch, one, one, 1000, 10_000);
      try (TorchTensor c = Dispatcher.tensor(torch, "aten::matmul", "", ta, tb)) {
        double expected = 0;
        for (int k = 0; k < n; k++) {
          expected += (double) a[k] * b[k * n];
        }
        assertThat((double) c.floats()[0]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
      }
      System.out.printf("libtorch %s via FFM: 1024^3 float32 matmul median %.2f ms (%.1f GFLOP/s); 1x1 matmul call %.1f us%n",
          torch.version(), big, 2.0 * n * n * n / big / 1e6, tiny * 1000);
    }
  }

  private static double medianMillis(LibTorch torch, TorchTensor a, TorchTensor b, int warmup, int runs) {
    double[] millis = new double[runs];
    for (int i = 0; i < warmup + runs; i++) {
      long start = System.nanoTime();
      Dispatcher.tensor(torch, "aten::matmul", "", a, b).close();
      if (i >= warmup) {
        millis[i - warmup] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(millis);
    return millis[runs / 2];
  }
}
