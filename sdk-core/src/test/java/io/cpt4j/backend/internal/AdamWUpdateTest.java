package io.cpt4j.backend.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cpt4j.backend.AdamW;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The optimizer against an independent float64 transcription of {@code torch.optim.AdamW}
 * (non-fused, amsgrad off): per step, {@code g ← factor·grad; p ← p·(1 − lr·wd); m ← β1·m +
 * (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m/bc1)/(√(v/bc2) + eps)}. Tolerance: 2e-6 of the
 * largest |p| (float32 state, several steps).
 */
class AdamWUpdateTest {
  private static final ModelConfig CONFIG = ModelConfig.builder(Architecture.LLAMA).vocabSize(8).hiddenSize(4)
      .intermediateSize(8).numLayers(1).numHeads(2).maxPositionEmbeddings(16).build();

  @Test
  void matchesTorchAdamWOverStepsWithDecayGroupsAndGradientFactors() {
    DjlSupport.offline();
    AdamW settings = AdamW.builder().beta1(0.8).beta2(0.9).eps(1e-3).weightDecay(0.2).build();
    // a decayed matrix and a no-decay vector (norm weight): names as the model's
    String[] names = {"model.layers.0.mlp.up_proj.weight", "model.norm.weight"};
    int[][] shapes = {{3, 4}, {4}};
    double[] lrs = {0.05, 0.1, 0.02, 0.07, 0.03};
    double[] factors = {1.0, 0.5, 1.0 / 1024, 2.0, 0.25};
    Random random = new Random(11);
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      AdamWUpdate update = new AdamWUpdate(settings, m);
      Map<String, NDArray> params = new LinkedHashMap<>();
      Map<String, double[]> ref = new LinkedHashMap<>();
      Map<String, double[][]> moments = new LinkedHashMap<>();
      for (int i = 0; i < names.length; i++) {
        int n = shapes[i].length == 2 ? shapes[i][0] * shapes[i][1] : shapes[i][0];
        float[] init = new float[n];
        for (int j = 0; j < n; j++) {
          init[j] = (float) random.nextGaussian();
        }
        long[] shape = shapes[i].length == 2 ? new long[] {shapes[i][0], shapes[i][1]} : new long[] {shapes[i][0]};
        params.put(names[i], m.create(init, new ai.djl.ndarray.types.Shape(shape)));
        ref.put(names[i], toDouble(init));
        moments.put(names[i], new double[][] {new double[n], new double[n]});
      }
      for (int t = 1; t <= lrs.length; t++) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (String name : names) {
          float[] g = new float[ref.get(name).length];
          for (int j = 0; j < g.length; j++) {
            g[j] = (float) (random.nextGaussian() / factors[t - 1]); // the factor brings it back to ~1
          }
          grads.put(name, m.create(g, params.get(name).getShape()));
          torchAdamW(ref.get(name), moments.get(name), g, factors[t - 1], lrs[t - 1],
              update.decays(CONFIG, name, params.get(name)) ? settings.weightDecay() : 0, settings, t);
        }
        update.apply(CONFIG, params, grads, lrs[t - 1], factors[t - 1]);
        grads.values().forEach(NDArray::close);
      }
      assertThat(update.decays(CONFIG, names[0], params.get(names[0]))).isTrue();
      assertThat(update.decays(CONFIG, names[1], params.get(names[1]))).isFalse();
      for (String name : names) {
        float[] actual = params.get(name).toFloatArray();
        double[] expected = ref.get(name);
        double scale = 0;
        double worst = 0;
        for (int j = 0; j < actual.length; j++) {
          scale = Math.max(scale, Math.abs(expected[j]));
          worst = Math.max(worst, Math.abs(actual[j] - expected[j]));
        }
        assertThat(worst).as("%s: largest difference from the float64 AdamW", name).isLessThanOrEqualTo(2e-6 * scale);
      }
      update.close();
    }
  }

  private static void torchAdamW(double[] p, double[][] mv, float[] grad, double factor, double lr, double wd,
      AdamW s, int t) {
    double bc1 = 1 - Math.pow(s.beta1(), t);
    double bc2 = 1 - Math.pow(s.beta2(), t);
    for (int j = 0; j < p.length; j++) {
      double g = factor * grad[j];
      p[j] *= 1 - lr * wd;
      mv[0][j] = s.beta1() * mv[0][j] + (1 - s.beta1()) * g;
      mv[1][j] = s.beta2() * mv[1][j] + (1 - s.beta2()) * g * g;
      p[j] -= lr * (mv[0][j] / bc1) / (Math.sqrt(mv[1][j] / bc2) + s.eps());
    }
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
