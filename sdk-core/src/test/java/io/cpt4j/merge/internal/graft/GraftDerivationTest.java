package io.cpt4j.merge.internal.graft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.internal.engine.DerivedTensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The top-k graft rule of {@link GraftDerivation} over several read chunks, with many magnitudes equal to
 * the threshold: sequential reads, reads out of order (which recount the threshold-equal entries
 * before them) and the whole mask all equal a per-element reference written here, exactly.
 */
class GraftDerivationTest {
  @Test
  void readsInAnyOrderAndTheMaskFollowTheRule() {
    int n = 2 * GraftRun.CHUNK + 12_345; // three chunks for the mask and the recount
    float[] b = new float[n];
    float[] t = new float[n];
    float[] deltas = {0, 0.25f, -0.25f, 0.5f, -0.5f, 1f, -1f};
    Random r = new Random(7);
    long equal = 0;
    for (int i = 0; i < n; i++) {
      b[i] = (r.nextInt(2048) - 1024) * 0x1p-10f; // |b| ≤ 1: b + delta and (b + delta) − b are exact
      t[i] = b[i] + deltas[r.nextInt(deltas.length)];
      equal += Math.abs(t[i] - b[i]) == 0.5f ? 1 : 0;
    }
    long keep = equal / 3;
    float[] want = new float[n];
    boolean[] mask = new boolean[n];
    long seen = 0;
    for (int i = 0; i < n; i++) {
      float m = Math.abs(t[i] - b[i]);
      mask[i] = m > 0.5f || (m == 0.5f && seen++ < keep);
      want[i] = mask[i] ? t[i] : b[i];
    }
    Tensor base = Tensor.ofFloats("w", new long[] {n}, b);
    Tensor tuned = Tensor.ofFloats("w", new long[] {n}, t);

    Tensor sequential = DerivedTensor.of(base.info(), GraftDerivation.top(base.info(), base, tuned, 0.5f, keep));
    float[] got = new float[n];
    for (int from = 0; from < n; from += 100_003) {
      sequential.readFloats(from, got, from, Math.min(100_003, n - from));
    }
    assertThat(got).isEqualTo(want);

    Tensor backwards = DerivedTensor.of(base.info(), GraftDerivation.top(base.info(), base, tuned, 0.5f, keep));
    float[] got2 = new float[n];
    int step = 999_983;
    for (int from = (n - 1) / step * step; from >= 0; from -= step) {
      backwards.readFloats(from, got2, from, Math.min(step, n - from));
    }
    assertThat(got2).isEqualTo(want);

    byte[] bytes = GraftDerivation.top(base.info(), base, tuned, 0.5f, keep).maskBytes();
    for (int i = 0; i < n; i++) {
      assertThat(bytes[i] != 0).as("mask[%d]", i).isEqualTo(mask[i]);
    }
  }
}
