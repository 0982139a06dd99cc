package io.cpt4j.onnx;

import static io.cpt4j.onnx.OnnxFixtures.maxAbs;
import static io.cpt4j.onnx.OnnxFixtures.maxDiff;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported graph run by ONNX Runtime computes the DJL decoder's logits (max abs difference ≤
 * 1e-4 in float32) for every supported variant: (a) without a cache; (b) with the cache, a prompt fed
 * whole and in three chunks (7 + 1 + 4 tokens) against the full forward; (c) a left-padded batch of
 * rows of 12, 7 and 3 tokens against each row alone, then one more token per row through the cache.
 */
class OnnxParityTest {
  static final double TOLERANCE = 1e-4;
  @TempDir static Path tmp;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.cpt4j.onnx.OnnxFixtures#variants")
  void exportedLogitsMatchTheDecoder(String name, ModelConfig c) {
    Path dir = tmp.resolve(name);
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, dir.resolve("ckpt"), name.hashCode());
        OnnxFixtures.Reference ref = new OnnxFixtures.Reference(ckpt)) {
      OnnxExport.of(ckpt).kvCache(false).writeTo(dir.resolve("plain"));
      OnnxExport.of(ckpt).writeTo(dir.resolve("cached"));
      int v = c.vocabSize();
      int[][] rows = OnnxFixtures.randomRows(2, 12, v, 7);
      float[] expected = ref.logits(rows);
      try (OrtModel plain = OrtModel.load(dir.resolve("plain")); OrtModel cached = OrtModel.load(dir.resolve("cached"))) {
        assertThat(plain.hasKvCache()).isFalse();
        assertThat(cached.hasKvCache()).isTrue();
        // (a) no cache
        double a = maxDiff(plain.logits(rows).values(), 0, expected, 0, expected.length);
        // (b) cache: whole, then in chunks of 7 + 1 + 4
        double whole = maxDiff(cached.logits(rows).values(), 0, expected, 0, expected.length);
        double chunked = chunked(cached, rows, expected, v, new int[] {7, 1, 4});
        // (c) left padding
        double[] padded = leftPadded(plain, cached, ref, v);
        System.out.printf("%s: max|logit| %.2f, max abs diff: no cache %.2e, cache whole %.2e, chunked %.2e,"
            + " left-padded %.2e (no cache) %.2e (cache, + next token)%n", name, maxAbs(expected), a, whole, chunked,
            padded[0], padded[1]);
        assertThat(maxAbs(expected)).as("logits are not trivially small").isGreaterThan(0.5);
        assertThat(a).as("no cache").isLessThanOrEqualTo(TOLERANCE);
        assertThat(whole).as("cache, whole prompt").isLessThanOrEqualTo(TOLERANCE);
        assertThat(chunked).as("cache, chunked prompt").isLessThanOrEqualTo(TOLERANCE);
        assertThat(padded[0]).as("left padding, no cache").isLessThanOrEqualTo(TOLERANCE);
        assertThat(padded[1]).as("left padding, cache and next token").isLessThanOrEqualTo(TOLERANCE);
      }
    }
  }

  /** Feeds the rows chunk by chunk through the cache; returns the largest difference from the full forward. */
  static double chunked(OrtModel m, int[][] rows, float[] expected, int v, int[] chunks) {
    int b = rows.length;
    int length = rows[0].length;
    double worst = 0;
    KvCache cache = null;
    int start = 0;
    for (int size : chunks) {
      long[] ids = new long[b * size];
      long[] pos = new long[b * size];
      long[] mask = new long[b * (start + size)];
      Arrays.fill(mask, 1);
      for (int r = 0; r < b; r++) {
        for (int t = 0; t < size; t++) {
          ids[r * size + t] = rows[r][start + t];
          pos[r * size + t] = start + t;
        }
      }
      Forward f = m.forward(new OrtInputs(b, size, ids, mask, pos), cache);
      if (cache != null) {
        cache.close();
      }
      cache = f.cache().orElseThrow();
      assertThat(cache.length()).isEqualTo(start + size);
      for (int r = 0; r < b; r++) {
        worst = Math.max(worst, maxDiff(f.logits().values(), r * size * v, expected, (r * length + start) * v, size * v));
      }
      start += size;
    }
    cache.close();
    return worst;
  }

  /**
   * Rows of 12, 7 and 3 tokens left-padded into one batch: their real positions against each row's
   * own forward; then, through the cache, one more token per row against the row extended by it.
   */
  private static double[] leftPadded(OrtModel plain, OrtModel cached, OnnxFixtures.Reference ref, int v) {
    int[][] all = OnnxFixtures.randomRows(3, 13, v, 99);
    int[] lengths = {12, 7, 3};
    int[][] prompts = new int[3][];
    for (int r = 0; r < 3; r++) {
      prompts[r] = Arrays.copyOf(all[r], lengths[r]);
    }
    OrtInputs in = OrtInputs.leftPadded(prompts, 0);
    int width = in.length();
    double noCache = 0;
    Logits logits = plain.forward(in, null).logits();
    Forward first = cached.forward(in, null);
    double withCache = 0;
    for (int r = 0; r < 3; r++) {
      float[] own = ref.logits(new int[][] {prompts[r]});
      int pad = width - lengths[r];
      noCache = Math.max(noCache, maxDiff(logits.values(), (r * width + pad) * v, own, 0, lengths[r] * v));
      withCache = Math.max(withCache, maxDiff(first.logits().values(), (r * width + pad) * v, own, 0, lengths[r] * v));
    }
    // one more token per row: mask grows by a 1, positions continue each row's own count
    long[] ids = new long[3];
    long[] pos = new long[3];
    long[] mask = new long[3 * (width + 1)];
    for (int r = 0; r < 3; r++) {
      ids[r] = all[r][lengths[r]];
      pos[r] = lengths[r];
      for (int t = 0; t <= width; t++) {
        mask[r * (width + 1) + t] = t < width ? in.attentionMask()[r * width + t] : 1;
      }
    }
    try (KvCache cache = first.cache().orElseThrow()) {
      Forward next = cached.forward(new OrtInputs(3, 1, ids, mask, pos), cache);
      next.cache().ifPresent(KvCache::close);
      for (int r = 0; r < 3; r++) {
        float[] own = ref.logits(new int[][] {Arrays.copyOf(all[r], lengths[r] + 1)});
        withCache = Math.max(withCache, maxDiff(next.logits().values(), r * v, own, lengths[r] * v, v));
      }
    }
    return new double[] {noCache, withCache};
  }
}
