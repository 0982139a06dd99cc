package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * slerp and model_stock end to end on tiny BF16 checkpoints (Qwen2 layout with three layers, so
 * there are 1-D bias and norm tensors and a layer in the middle), every element against a float64
 * transcription of mergekit written here. Outputs are F32, compared within 1 ulp of the float32
 * result plus 1e-12 of the magnitudes of the summed terms; one BF16 output within BF16 rounding.
 */
class SlerpModelStockTest extends MergeFixtures.WithCheckpoints {
  final ModelConfig config = TestCheckpoints.tinyQwen2().newBuilder().numLayers(3).build();
  Checkpoint base;
  Checkpoint a;
  Checkpoint b;
  Checkpoint c;

  @BeforeEach
  void checkpoints() {
    base = keep(random(dir.resolve("base"), config, 31, DType.BF16, Long.MAX_VALUE));
    a = keep(random(dir.resolve("a"), config, 32, DType.BF16, 4096)); // sharded
    b = keep(random(dir.resolve("b"), config, 33, DType.BF16, Long.MAX_VALUE));
    c = keep(random(dir.resolve("c"), config, 34, DType.BF16, Long.MAX_VALUE));
  }

  /** mergekit's layer position, written independently: layer i of L at i/(L−1), embeddings 0, the rest 1. */
  double position(String name) {
    Matcher m = Pattern.compile("\\.layers\\.(\\d+)\\.").matcher(name);
    if (m.find()) {
      return Integer.parseInt(m.group(1)) / (double) (config.numLayers() - 1);
    }
    return name.contains("embed_tokens") ? 0 : 1;
  }

  /** mergekit's slerp(t, v0 = base, v1 = model) in double. */
  static double[] slerp(double t, double[] v0, double[] v1) {
    double n0 = Math.sqrt(dot(v0, v0)), n1 = Math.sqrt(dot(v1, v1));
    double cos = dot(v0, v1) / (n0 > 1e-8 ? n0 : 1) / (n1 > 1e-8 ? n1 : 1);
    double s0 = 1 - t, s1 = t;
    if (Math.abs(cos) <= 0.9995) {
      double theta0 = Math.acos(cos);
      s0 = Math.sin(theta0 * (1 - t)) / Math.sin(theta0);
      s1 = Math.sin(theta0 * t) / Math.sin(theta0);
    }
    double[] out = new double[v0.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = s0 * v0[i] + s1 * v1[i];
    }
    return out;
  }

  /** mergekit's model_stock in double over rows of {@code rowLength}. */
  static double[] modelStock(double[] w0, double[][] ws, int rowLength) {
    int n = ws.length;
    double[] out = new double[w0.length];
    for (int from = 0; from < w0.length; from += rowLength) {
      double cosSum = 0;
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          double dot = 0, ni = 0, nj = 0;
          for (int e = from; e < from + rowLength; e++) {
            double di = ws[i][e] - w0[e], dj = ws[j][e] - w0[e];
            dot += di * dj;
            ni += di * di;
            nj += dj * dj;
          }
          cosSum += Math.clamp(dot / Math.max(Math.sqrt(ni) * Math.sqrt(nj), 1e-6), -1.0, 1.0);
        }
      }
      double cos = cosSum / (n * (n - 1) / 2.0);
      double t = n * cos / (1 + (n - 1) * cos);
      for (int e = from; e < from + rowLength; e++) {
        double mean = 0;
        for (double[] w : ws) {
          mean += w[e];
        }
        out[e] = t * (mean / n) + (1 - t) * w0[e];
      }
    }
    return out;
  }

  static double dot(double[] x, double[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += x[i] * y[i];
    }
    return s;
  }

  void assertEveryElement(Checkpoint out, java.util.function.Function<String, double[]> reference, double scale) {
    assertThat(out.tensors().stream().map(TensorInfo::name).toList())
        .isEqualTo(base.tensors().stream().map(TensorInfo::name).toList());
    for (TensorInfo t : out.tensors()) {
      double[] got = doubles(out, t.name());
      double[] want = reference.apply(t.name());
      for (int i = 0; i < got.length; i++) {
        double tol = Math.ulp((float) want[i]) + 1e-12 * scale;
        assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want[i], within(tol));
      }
    }
  }

  @Test
  void slerpWithAGradientAcrossLayersMatchesTheReferenceAndHitsTheEndpoints() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Slerp(ParamValue.gradient(0, 1)), base).model(a)
        .dtype(DType.F32).build());
    assertEveryElement(out, name -> slerp(position(name), doubles(base, name), doubles(a, name)), 1);
    // t = 0 at the embeddings and layer 0, 1 at layer 2 and the final norm
    assertThat(doubles(out, "model.embed_tokens.weight")).isEqualTo(doubles(base, "model.embed_tokens.weight"));
    assertThat(doubles(out, "model.layers.0.mlp.up_proj.weight"))
        .isEqualTo(doubles(base, "model.layers.0.mlp.up_proj.weight"));
    assertThat(doubles(out, "model.layers.2.self_attn.q_proj.bias"))
        .isEqualTo(doubles(a, "model.layers.2.self_attn.q_proj.bias"));
    assertThat(doubles(out, "model.norm.weight")).isEqualTo(doubles(a, "model.norm.weight"));
  }

  @Test
  void slerpWithAFilteredTTakesEachTensorsValue() {
    ParamValue t = new ParamValue.Filtered(List.of(
        new ParamValue.Rule("self_attn", ParamValue.gradient(0.2, 0.9)),
        new ParamValue.Rule("mlp", ParamValue.of(0.6)),
        new ParamValue.Rule(null, ParamValue.of(0.35))));
    Checkpoint out = run(Merge.builder(new MergeMethod.Slerp(t), base).model(b).dtype(DType.F32).build());
    assertEveryElement(out, name -> {
      double tt = name.contains("self_attn") ? 0.2 + 0.7 * position(name) : name.contains("mlp") ? 0.6 : 0.35;
      return slerp(tt, doubles(base, name), doubles(b, name));
    }, 1);
  }

  @Test
  void slerpKeepsTheTargetsDtypeByDefault() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Slerp(0.5), base).model(a).build());
    for (TensorInfo t : out.tensors()) {
      assertThat(t.dtype()).isEqualTo(DType.BF16);
      double[] got = doubles(out, t.name());
      double[] want = slerp(0.5, doubles(base, t.name()), doubles(a, t.name()));
      for (int i = 0; i < got.length; i++) {
        // BF16 keeps 8 significant bits: round to nearest is within 2^-8 relative
        assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want[i], within(Math.abs(want[i]) / 256 + 1e-30));
      }
    }
  }

  @Test
  void modelStockWithThreeModelsPerTensorAndPerRow() {
    for (boolean filterWise : new boolean[] {false, true}) {
      Checkpoint out = run(Merge.builder(new MergeMethod.ModelStock(filterWise), base)
          .model(a).model(b).model(c).dtype(DType.F32).build());
      assertEveryElement(out, name -> {
        TensorInfo info = base.tensor(name).info();
        int rowLength = (int) (filterWise ? (long) info.shape().getLast() : info.elementCount());
        return modelStock(doubles(base, name), new double[][] {doubles(a, name), doubles(b, name), doubles(c, name)},
            rowLength);
      }, 1);
    }
  }

  @Test
  void modelStockOfIdenticalModelsIsThatModel() {
    Checkpoint out = run(Merge.builder(new MergeMethod.ModelStock(true), base).model(a).model(a).model(a)
        .dtype(DType.F32).build());
    for (TensorInfo t : out.tensors()) {
      assertThat(doubles(out, t.name())).as(t.name()).isEqualTo(doubles(a, t.name()));
    }
  }

  @Test
  void slerpRefusesATensorWithoutAValueBeforeWritingAnything() {
    ParamValue onlyAttention = new ParamValue.Filtered(List.of(new ParamValue.Rule("self_attn", ParamValue.of(0.5))));
    Path out = dir.resolve("never");
    Merge merge = Merge.builder(new MergeMethod.Slerp(onlyAttention), base).model(a).build();
    assertThatThrownBy(() -> merge.writeTo(out)).isInstanceOf(MergeException.class)
        .hasMessageContaining("model.embed_tokens.weight");
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void interpolationsRefuseADifferentTarget() {
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Slerp(0.5), base).model(a).onto(c).build()
        .writeTo(dir.resolve("x"))).isInstanceOf(MergeException.class).hasMessageContaining("slerp")
        .hasMessageContaining("onto");
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.ModelStock(), base).model(a).model(b).onto(c).build()
        .writeTo(dir.resolve("y"))).isInstanceOf(MergeException.class).hasMessageContaining("model_stock");
  }
}
