package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * nuslerp, multislerp and karcher end to end, every element against float64 transcriptions of
 * mergekit's formulas written here on whole vectors (the implementation works on Gram matrices
 * instead), and their edge properties. Outputs are F32; they must be the reference rounded to float32
 * within 2 ulp (the coefficients are computed in double in another order, and the reference iterates
 * on vectors; 2 ulp of float32 is about 2.4e-7 relative).
 */
class SphericalMethodsTest extends MergeFixtures.WithFourCheckpoints {

  // ---- the float64 references, on whole vectors

  static double dot(double[] x, double[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += x[i] * y[i];
    }
    return s;
  }

  static double[] minus(double[] x, double[] y) {
    double[] d = new double[x.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = x[i] - y[i];
    }
    return d;
  }

  /** mergekit's nuslerp of two vectors: normalised with norms clamped at 1e-7, lerp where |sin θ| < 1e-8. */
  static double[] nuslerp(double t, double[] v0, double[] v1) {
    double n0 = Math.max(Math.sqrt(dot(v0, v0)), 1e-7), n1 = Math.max(Math.sqrt(dot(v1, v1)), 1e-7);
    double cos = 0;
    for (int i = 0; i < v0.length; i++) {
      cos += (v0[i] / n0) * (v1[i] / n1);
    }
    double theta = Math.acos(Math.clamp(cos, -1.0, 1.0));
    double[] out = new double[v0.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.abs(Math.sin(theta)) < 1e-8 ? (1 - t) * v0[i] + t * v1[i]
          : (Math.sin((1 - t) * theta) * v0[i] + Math.sin(t * theta) * v1[i]) / Math.sin(theta);
    }
    return out;
  }

  /** nuslerp of a tensor of {@code shape}: whole ({@code flatten}), per row, or per column ({@code rowWise}). */
  static double[] nuslerp(double t, double[] v0, double[] v1, List<Long> shape, boolean rowWise, boolean flatten) {
    if (flatten || shape.size() < 2) {
      return nuslerp(t, v0, v1);
    }
    int n = v0.length;
    int len = rowWise ? shape.getFirst().intValue() : shape.getLast().intValue(); // vector length
    int stride = rowWise ? n / len : 1;
    int vectors = n / len;
    double[] out = new double[n];
    for (int v = 0; v < vectors; v++) {
      double[] a = new double[len], b = new double[len];
      int start = rowWise ? v : v * len;
      for (int j = 0; j < len; j++) {
        a[j] = v0[start + j * stride];
        b[j] = v1[start + j * stride];
      }
      double[] r = nuslerp(t, a, b);
      for (int j = 0; j < len; j++) {
        out[start + j * stride] = r[j];
      }
    }
    return out;
  }

  /** mergekit's multislerp, step by step: unit vectors, weighted mean, tangent space, exponential map, mean norm. */
  static double[] multislerp(double[][] xs, double[] w, double eps) {
    int n = xs.length, len = xs[0].length;
    double[][] u = new double[n][len];
    double avgNorm = 0;
    double[] mean = new double[len];
    for (int k = 0; k < n; k++) {
      double norm = Math.sqrt(dot(xs[k], xs[k]));
      avgNorm += norm * w[k];
      for (int i = 0; i < len; i++) {
        u[k][i] = xs[k][i] / (norm + eps);
        mean[i] += w[k] * u[k][i];
      }
    }
    double meanNorm = Math.sqrt(dot(mean, mean));
    for (int i = 0; i < len; i++) {
      mean[i] /= meanNorm;
    }
    double[] tangent = new double[len];
    for (int k = 0; k < n; k++) {
      double d = dot(u[k], mean);
      for (int i = 0; i < len; i++) {
        tangent[i] += w[k] * (u[k][i] - d * mean[i]);
      }
    }
    double tn = Math.sqrt(dot(tangent, tangent)) + eps;
    double[] out = new double[len];
    for (int i = 0; i < len; i++) {
      out[i] = avgNorm * (mean[i] * Math.cos(tn) + tangent[i] * Math.sin(tn) / tn);
    }
    return out;
  }

  /** mergekit's karcher_merge_tensors with weights 1/N, on vectors. */
  static double[] karcher(double[][] xs, int maxIter, double tol) {
    int n = xs.length, len = xs[0].length;
    double[] norms = new double[n];
    List<double[]> units = new java.util.ArrayList<>();
    for (int k = 0; k < n; k++) {
      norms[k] = Math.sqrt(dot(xs[k], xs[k]));
      if (norms[k] > tol) {
        double[] unit = xs[k].clone();
        for (int i = 0; i < len; i++) {
          unit[i] /= norms[k];
        }
        units.add(unit);
      }
    }
    double alpha = 1.0 / units.size();
    double[] u = new double[len];
    units.forEach(unit -> { for (int i = 0; i < len; i++) { u[i] += alpha * unit[i]; } });
    double un = Math.sqrt(dot(u, u));
    for (int i = 0; i < len; i++) {
      u[i] = un < tol ? units.getFirst()[i] : u[i] / un;
    }
    for (int it = 0; it < maxIter; it++) {
      double[] step = new double[len];
      for (double[] unit : units) {
        double cos = Math.clamp(dot(u, unit), -1.0, 1.0), theta = Math.acos(cos);
        if (theta >= tol) {
          for (int i = 0; i < len; i++) {
            step[i] += alpha * theta / Math.sin(theta) * (unit[i] - cos * u[i]);
          }
        }
      }
      double sn = Math.sqrt(dot(step, step));
      if (sn < tol) {
        break;
      }
      for (int i = 0; i < len; i++) {
        u[i] = Math.cos(sn) * u[i] + Math.sin(sn) * step[i] / sn;
      }
      double norm = Math.sqrt(dot(u, u));
      for (int i = 0; i < len && norm > tol; i++) {
        u[i] /= norm;
      }
    }
    double s = java.util.Arrays.stream(norms).sum() / n;
    return java.util.Arrays.stream(u).map(v -> s * v).toArray();
  }

  // ---- checks

  Checkpoint f32(Merge.Builder b) {
    return run(b.dtype(DType.F32).build());
  }

  /** Every element of every tensor within 2 ulp of the reference rounded to float32. */
  void assertMatches(Checkpoint out, Function<String, double[]> reference) {
    for (TensorInfo t : base.tensors()) {
      double[] got = doubles(out, t.name());
      double[] want = reference.apply(t.name());
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want[i], within(2 * Math.ulp((float) want[i]) + 1e-30));
      }
    }
  }

  void assertSame(Checkpoint out, Checkpoint expected) {
    for (TensorInfo t : base.tensors()) {
      assertThat(doubles(out, t.name())).as(t.name()).isEqualTo(doubles(expected, t.name()));
    }
  }

  static double[] plus(double[] base, double[] d) {
    return minus(base, java.util.Arrays.stream(d).map(v -> -v).toArray());
  }

  // ---- nuslerp

  @Test
  void nuslerpOfTwoModelsAtTheirWeightsMatchesTheReference() {
    Checkpoint out = f32(Merge.builder(new MergeMethod.Nuslerp(), a).model(MergeInput.of(a, 0.3))
        .model(MergeInput.of(b, 0.9)));
    assertMatches(out, name -> nuslerp(0.75, doubles(a, name), doubles(b, name)));
  }

  @Test
  void nuslerpOfTaskVectorsPerRowAndPerColumnMatchesTheReference() {
    for (boolean rowWise : new boolean[] {false, true}) {
      Checkpoint out = f32(Merge.builder(new MergeMethod.Nuslerp(rowWise, false), base).model(MergeInput.of(b, 2))
          .model(MergeInput.of(c, 1)));
      assertMatches(out, name -> plus(doubles(base, name), nuslerp(1 / 3.0, minus(doubles(b, name),
          doubles(base, name)), minus(doubles(c, name), doubles(base, name)), base.tensor(name).info().shape(),
          rowWise, false)));
    }
  }

  @Test
  void nuslerpAtItsEndpointsGivesEitherModelAndOfIdenticalModelsThatModel() {
    for (Checkpoint reference : List.of(a, base)) { // without, then with a base
      assertSame(f32(Merge.builder(new MergeMethod.Nuslerp(), reference).model(MergeInput.of(a, 1))
          .model(MergeInput.of(b, 0))), a);
      assertSame(f32(Merge.builder(new MergeMethod.Nuslerp(false, false), reference).model(MergeInput.of(a, 0))
          .model(MergeInput.of(b, 1))), b);
    }
    assertSame(f32(Merge.builder(new MergeMethod.Nuslerp(true, false), base).model(MergeInput.of(c, 0.4))
        .model(MergeInput.of(c, 0.6))), c);
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Nuslerp(), base).model(a).build())
        .isInstanceOf(MergeException.class).hasMessage("nuslerp takes exactly two models besides the base, got 1");
  }

  // ---- multislerp

  @Test
  void multislerpOfThreeTaskVectorsAndOfThreeModelsMatchesTheReference() {
    Checkpoint out = f32(Merge.builder(new MergeMethod.Multislerp(), base).model(MergeInput.of(a, 1))
        .model(MergeInput.of(b, 2)).model(MergeInput.of(c, 1)));
    assertMatches(out, name -> plus(doubles(base, name), multislerp(new double[][] {
        minus(doubles(a, name), doubles(base, name)), minus(doubles(b, name), doubles(base, name)),
        minus(doubles(c, name), doubles(base, name))}, new double[] {0.25, 0.5, 0.25}, 1e-8)));
    Checkpoint plain = f32(Merge.builder(new MergeMethod.Multislerp(false, 1e-6), a).model(MergeInput.of(a, 0.5))
        .model(MergeInput.of(b, 0.3)).model(MergeInput.of(c, 0.4)));
    assertMatches(plain, name -> multislerp(new double[][] {doubles(a, name), doubles(b, name), doubles(c, name)},
        new double[] {0.5, 0.3, 0.4}, 1e-6));
  }

  @Test
  void multislerpOfOneModelIsThatModelAndOfIdenticalModelsToo() {
    assertSame(f32(Merge.builder(new MergeMethod.Multislerp(), base).model(MergeInput.of(b, 0.7))), b);
    assertSame(f32(Merge.builder(new MergeMethod.Multislerp(), base).model(MergeInput.of(c, 1))
        .model(MergeInput.of(c, 3)).model(MergeInput.of(c, 2))), c);
  }

  @Test
  void multislerpRefusesWeightsThatSumToZero() {
    Path never = dir.resolve("never");
    Merge m = Merge.builder(new MergeMethod.Multislerp(), base).model(MergeInput.of(a, 1)).model(MergeInput.of(b, -1))
        .build();
    assertThatThrownBy(() -> m.writeTo(never)).isInstanceOf(MergeException.class)
        .hasMessageContaining("the weights sum to 0");
    assertThat(Files.exists(never)).isFalse();
  }

  // ---- karcher

  @Test
  void karcherOfThreeModelsMatchesTheReference() {
    for (int maxIter : new int[] {0, 1, 10}) {
      Checkpoint out = f32(Merge.builder(new MergeMethod.Karcher(maxIter, 1e-5), base).model(a).model(b).model(c));
      assertMatches(out, name -> karcher(new double[][] {doubles(a, name), doubles(b, name), doubles(c, name)},
          maxIter, 1e-5));
    }
  }

  /**
   * The Karcher mean of two points on the sphere is their geodesic midpoint: the slerp at t = 0.5 of
   * the two directions, here scaled by the mean norm as karcher scales it (float32 output within 2
   * ulp of the float64 midpoint).
   */
  @Test
  void karcherOfTwoModelsIsTheSlerpMidpointOfTheirDirections() {
    Checkpoint out = f32(Merge.builder(new MergeMethod.Karcher(), base).model(a).model(b));
    assertMatches(out, name -> {
      double[] x = doubles(a, name), y = doubles(b, name);
      double nx = Math.sqrt(dot(x, x)), ny = Math.sqrt(dot(y, y));
      double theta = Math.acos(dot(x, y) / nx / ny), f = Math.sin(theta / 2) / Math.sin(theta);
      double[] mid = new double[x.length];
      for (int i = 0; i < mid.length; i++) {
        mid[i] = (nx + ny) / 2 * f * (x[i] / nx + y[i] / ny);
      }
      return mid;
    });
  }

  @Test
  void karcherOfIdenticalModelsOrOfOneIsThatModel() {
    assertSame(f32(Merge.builder(new MergeMethod.Karcher(), base).model(c).model(c).model(c)), c);
    assertSame(f32(Merge.builder(new MergeMethod.Karcher(), base).model(b)), b);
  }

  @Test
  void aKarcherConfigAveragesItsBaseModelAndANuslerpConfigSkipsIt() throws Exception {
    Files.writeString(dir.resolve("karcher.yaml"), """
        merge_method: karcher
        base_model: base
        models: [{model: a}, {model: b}]
        parameters: {max_iter: 5}
        dtype: float32
        """);
    try (MergeConfig config = MergeConfig.load(dir.resolve("karcher.yaml"))) {
      assertThat(config.merge().models()).hasSize(3);
      assertMatches(run(config.merge()), name -> karcher(new double[][] {doubles(a, name), doubles(b, name),
          doubles(base, name)}, 5, 1e-5));
    }
    Files.writeString(dir.resolve("nuslerp.yaml"), """
        merge_method: nuslerp
        base_model: base
        models: [{model: base}, {model: a, parameters: {weight: 1}}, {model: b, parameters: {weight: 3}}]
        parameters: {nuslerp_flatten: false}
        dtype: float32
        """);
    try (MergeConfig config = MergeConfig.load(dir.resolve("nuslerp.yaml"))) {
      assertThat(config.merge().method()).isEqualTo(new MergeMethod.Nuslerp(false, false));
      assertMatches(run(config.merge()), name -> plus(doubles(base, name), nuslerp(0.75,
          minus(doubles(a, name), doubles(base, name)), minus(doubles(b, name), doubles(base, name)),
          base.tensor(name).info().shape(), false, false)));
    }
  }
}
