package io.cpt4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference's building blocks against published values and hand computations (none of the
 * expected numbers come from the code under test).
 */
class ReferenceOpsTest {

  // ---------------------------------------------------------------- erf, erfc

  @Test
  void erfMatchesPublishedValuesToOneInTenToTheFourteen() {
    // Abramowitz & Stegun table 7.1 / DLMF 7, to 17+ digits
    double[][] table = {
        {0.5, 0.5204998778130465}, {1, 0.8427007929497149}, {2, 0.9953222650189527},
        {-0.3, -0.3286267594591274}, {0.1, 0.1124629160182849}, {1.5, 0.9661051464753107},
        {1.99, 0.9951114131996170}, {2.01, 0.9955248493552482}, {2.5, 0.9995930479825550},
        {3, 0.9999779095030014}, {4, 0.9999999845827421}, {1e-8, 1.1283791670955126e-8},
        {0, 0}, {30, 1}, {-30, -1},
    };
    for (double[] row : table) {
      assertThat(ReferenceOps.erf(row[0])).as("erf(%s)", row[0]).isCloseTo(row[1], within(1e-14));
    }
  }

  @Test
  void erfIsAccurateRelativelyNearZero() {
    // erf(x) = 2x/√π (1 - x²/3 + …): at 1e-8 the second term is below double precision
    assertThat(ReferenceOps.erf(1e-8) / 1.1283791670955126e-8).isCloseTo(1, within(4e-16));
    assertThat(ReferenceOps.erf(-1e-300)).isCloseTo(-1.1283791670955126e-300, within(1e-315));
  }

  @Test
  void erfcKeepsRelativeAccuracyFarIntoTheTail() {
    double[][] table = {
        {2, 0.0046777349810472658}, {3, 2.2090496998585441e-5}, {5, 1.5374597944280349e-12},
        {10, 2.0884875837625448e-45}, {20, 5.3958656116079009e-176},
    };
    for (double[] row : table) {
      assertThat(ReferenceOps.erfc(row[0]) / row[1]).as("erfc(%s)", row[0]).isCloseTo(1, within(1e-14));
    }
    assertThat(ReferenceOps.erfc(-3)).isCloseTo(2 - 2.2090496998585441e-5, within(1e-15));
    assertThat(ReferenceOps.erfc(0.5)).isCloseTo(1 - 0.5204998778130465, within(1e-15));
  }

  @Test
  void erfSlopeIsTheGaussianDensityEverywhereOnMinusSixToSix() {
    // d/dx erf(x) = 2/√π e^(-x²); a central difference with h = 1e-4 is exact to ~1e-9
    double h = 1e-4;
    for (double x = -6; x <= 6; x += 0.0625) {
      double slope = (ReferenceOps.erf(x + h) - ReferenceOps.erf(x - h)) / (2 * h);
      assertThat(slope).as("x = %s", x).isCloseTo(2 / Math.sqrt(Math.PI) * Math.exp(-x * x), within(1e-8));
    }
  }

  @Test
  void erfIsOddAndBoundedByOne() {
    for (double x = 0; x < 8; x += 0.01) {
      assertThat(ReferenceOps.erf(-x)).isEqualTo(-ReferenceOps.erf(x));
      assertThat(Math.abs(ReferenceOps.erf(x))).isLessThanOrEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- activations

  @Test
  void geluAndSiluMatchTheirClosedForms() {
    // GELU(x) = x Φ(x); Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145705
    assertThat(ReferenceOps.gelu(1)).isCloseTo(0.8413447460685429, within(1e-15));
    assertThat(ReferenceOps.gelu(-1)).isCloseTo(-0.15865525393145705, within(1e-15));
    assertThat(ReferenceOps.gelu(0.5)).isCloseTo(0.34573123063700655, within(1e-15));
    assertThat(ReferenceOps.gelu(-3)).isCloseTo(-0.0040496940948902836, within(1e-17));
    // far tail: -5·erfc(10/√2) = -7.619853024160526e-23, kept to relative accuracy
    assertThat(ReferenceOps.gelu(-10) / -7.619853024160526e-23).isCloseTo(1, within(1e-14));
    assertThat(ReferenceOps.gelu(0)).isZero();
    // SiLU(x) = x / (1 + e^-x): SiLU(1) = 1/(1 + 1/e), SiLU(-2) = -2/(1 + e²)
    assertThat(ReferenceOps.silu(1)).isCloseTo(0.7310585786300049, within(1e-15));
    assertThat(ReferenceOps.silu(-2)).isCloseTo(-0.23840584404423511, within(1e-15));
    assertThat(ReferenceOps.silu(-800)).isCloseTo(0, within(1e-300));
    assertThat(ReferenceOps.activation("silu", 1)).isEqualTo(ReferenceOps.silu(1));
    assertThat(ReferenceOps.activation("gelu", 1)).isEqualTo(ReferenceOps.gelu(1));
    // the tanh form differs from the exact one by ~1e-4 near x = 1
    assertThat(ReferenceOps.activation("gelu_new", 1)).isCloseTo(0.8413447460685429, within(5e-4))
        .isNotCloseTo(0.8413447460685429, within(1e-6));
    assertThatThrownBy(() -> ReferenceOps.activation("mish", 1)).hasMessageContaining("mish");
  }

  // ---------------------------------------------------------------- norms, linear, softmax

  @Test
  void rmsNormOfThreeFourWithEpsilonOneHalf() {
    // mean(x²) = (9 + 16)/2 = 12.5; + 0.5 = 13; weight [1, 2]
    double[] y = ReferenceOps.rmsNorm(new double[] {3, 4}, new float[] {1, 2}, 0.5);
    assertThat(y[0]).isCloseTo(3 / Math.sqrt(13), within(1e-15));
    assertThat(y[1]).isCloseTo(8 / Math.sqrt(13), within(1e-15));
  }

  @Test
  void layerNormUsesTheBiasedVarianceAndAddsTheBias() {
    // x = [1, 2, 3, 6]: mean 3, centred [-2, -1, 0, 3], var (4+1+0+9)/4 = 3.5; + eps 0.5 → √4 = 2
    // normalised [-1, -0.5, 0, 1.5]; × w [1, 1, 2, 2] + b [0, 1, 0, -1] = [-1, 0.5, 0, 2]
    double[] y = ReferenceOps.layerNorm(new double[] {1, 2, 3, 6}, new float[] {1, 1, 2, 2},
        new float[] {0, 1, 0, -1}, 0.5);
    assertThat(y).containsExactly(new double[] {-1, 0.5, 0, 2}, within(1e-15));
  }

  @Test
  void linearMultipliesByTheTransposeOfAnOutByInWeight() {
    // W = [[1, 2, 3], [4, 5, 6]] (out 2, in 3), x = [1, 0, -1], b = [10, 20]
    double[] y = ReferenceOps.linear(new double[] {1, 0, -1}, new float[] {1, 2, 3, 4, 5, 6}, new float[] {10, 20}, 2);
    assertThat(y).containsExactly(8, 18);
  }

  @Test
  void logSumExpDoesNotOverflowOrUnderflow() {
    assertThat(ReferenceOps.logSumExp(new double[] {1000, 1000}, 0, 2)).isCloseTo(1000 + Math.log(2), within(1e-12));
    assertThat(ReferenceOps.logSumExp(new double[] {7, -1000, 0}, 1, 2)).isCloseTo(0, within(1e-300));
    assertThat(ReferenceOps.logSumExp(new double[] {-1e4, -1e4 + Math.log(3)}, 0, 2)).isCloseTo(-1e4 + Math.log(4), within(1e-11));
  }

  // ---------------------------------------------------------------- rotary

  @Test
  void rotaryIsTheIdentityAtPositionZero() {
    double[] v = {1, 2, 3, 4};
    ReferenceOps.rotate(v, 0, new double[] {1, 0.01}, 0);
    assertThat(v).containsExactly(1, 2, 3, 4);
  }

  @Test
  void rotaryAtPositionOnePairsChannelIWithChannelIPlusHalfTheHead() {
    // d = 4, θ = 10000: inv_freq = [1, 10000^(-1/2) = 0.01]; pairs (0, 2) turn by 1 rad, (1, 3) by 0.01:
    // x_i' = x_i cos - x_{i+2} sin, x_{i+2}' = x_{i+2} cos + x_i sin
    double[] v = {1, 2, 3, 4};
    ReferenceOps.rotate(v, 0, new double[] {1, 0.01}, 1);
    double c1 = Math.cos(1);
    double s1 = Math.sin(1);
    double c2 = Math.cos(0.01);
    double s2 = Math.sin(0.01);
    assertThat(v).containsExactly(new double[] {c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + s1, 4 * c2 + 2 * s2}, within(1e-15));
  }

  @Test
  void partialRotaryTurnsOnlyTheLeadingChannelsOfTheHeadAtTheOffset() {
    // second head of width 4 at offset 4, rotary dim 2 (inv_freq [1]), position 2: channels 4, 5 turn by 2 rad
    double[] v = {9, 9, 9, 9, 1, 2, 3, 4};
    ReferenceOps.rotate(v, 4, new double[] {1}, 2);
    assertThat(v).containsExactly(new double[] {9, 9, 9, 9, Math.cos(2) - 2 * Math.sin(2), 2 * Math.cos(2) + Math.sin(2), 3, 4},
        within(1e-15));
  }

  @Test
  void rotaryDotProductsDependOnlyOnThePositionDifference() {
    // R(m)q · R(n)k = q · R(n - m)k: why a document's logits do not depend on where its positions start
    java.util.Random r = new java.util.Random(1);
    double[] inv = {1, 0.1, 0.01, 0.001};
    for (int trial = 0; trial < 20; trial++) {
      double[] q = r.doubles(8, -1, 1).toArray();
      double[] k = r.doubles(8, -1, 1).toArray();
      int m = r.nextInt(50);
      int n = r.nextInt(50);
      int shift = 1 + r.nextInt(1000);
      assertThat(rotatedDot(q, m + shift, k, n + shift, inv)).isCloseTo(rotatedDot(q, m, k, n, inv), within(1e-12));
    }
    // and rotation does change it (sanity)
    double[] q = {1, 0, 0, 0, 0, 0, 0, 0};
    assertThat(rotatedDot(q, 1, q, 0, inv)).isCloseTo(Math.cos(1), within(1e-15));
  }

  private static double rotatedDot(double[] q, int m, double[] k, int n, double[] inv) {
    double[] a = q.clone();
    double[] b = k.clone();
    ReferenceOps.rotate(a, 0, inv, m);
    ReferenceOps.rotate(b, 0, inv, n);
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void positionsRestartAtZeroWhereTheDocumentIdChanges() {
    assertThat(ReferenceDecoder.positions(new int[] {4, 4, 4, 9, 9, 12})).containsExactly(0, 1, 2, 0, 1, 0);
    assertThat(ReferenceDecoder.positions(new int[] {0, 0, 0, 0})).containsExactly(0, 1, 2, 3);
    assertThat(ReferenceDecoder.positions(new int[] {1, 2, 3})).containsExactly(0, 0, 0);
    // Batch.position agrees on a two-row batch (ids may repeat across rows)
    int[] docs = {0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
    io.cpt4j.backend.Batch b = new io.cpt4j.backend.Batch(2, 5, new int[10], new int[10], new float[10], docs);
    int[] expected = {0, 1, 0, 1, 2, 0, 1, 2, 3, 4};
    for (int i = 0; i < 10; i++) {
      assertThat(b.position(i)).as("index %d", i).isEqualTo(expected[i]);
    }
  }

  private static ModelConfig llamaHead8(Map<String, Object> ropeScaling) {
    return ModelConfig.builder(Architecture.LLAMA).hiddenSize(8).numHeads(1).vocabSize(4).intermediateSize(4)
        .numLayers(1).ropeScaling(ropeScaling).build();
  }

  @Test
  void inverseFrequenciesAreOneOverThetaToTheTwoIOverD() {
    // d = 8, θ = 10000: 10000^(-0/8, -2/8, -4/8, -6/8) = 1, 0.1, 0.01, 0.001
    assertThat(ReferenceOps.inverseFrequencies(llamaHead8(Map.of())))
        .containsExactly(new double[] {1, 0.1, 0.01, 0.001}, within(1e-17));
    assertThat(ReferenceOps.inverseFrequencies(llamaHead8(Map.of("rope_type", "default"))))
        .containsExactly(new double[] {1, 0.1, 0.01, 0.001}, within(1e-17));
    // GPT-NeoX: head 8, rotary_pct 0.25 → d = 2 → the single frequency 1
    ModelConfig neox = ModelConfig.builder(Architecture.GPT_NEOX).hiddenSize(32).numHeads(4).build();
    assertThat(ReferenceOps.inverseFrequencies(neox)).containsExactly(1.0);
  }

  @Test
  void linearRopeScalingDividesEveryFrequencyByTheFactorUnderEitherKey() {
    double[] expected = {0.25, 0.025, 0.0025, 0.00025};
    assertThat(ReferenceOps.inverseFrequencies(llamaHead8(Map.of("rope_type", "linear", "factor", 4.0))))
        .containsExactly(expected, within(1e-17));
    assertThat(ReferenceOps.inverseFrequencies(llamaHead8(Map.of("type", "linear", "factor", 4))))
        .containsExactly(expected, within(1e-17));
  }

  @Test
  void llama3RopeScalingKeepsHighScalesLowAndBlendsMediumFrequencies() {
    // factor 8, low 1, high 4, original context 1000: low_freq_wavelen 1000, high_freq_wavelen 250.
    // wavelengths 2π/inv: 6.28, 62.8 (< 250: kept), 628.3 (medium), 6283 (> 1000: divided by 8).
    // medium: smooth = (1000/(200π) - 1)/(4 - 1) = (5/π - 1)/3; inv = (1 - smooth)·0.01/8 + smooth·0.01
    double smooth = (5 / Math.PI - 1) / 3;
    double medium = (1 - smooth) * 0.01 / 8 + smooth * 0.01;
    Map<String, Object> rs = Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
        "high_freq_factor", 4.0, "original_max_position_embeddings", 1000);
    assertThat(ReferenceOps.inverseFrequencies(llamaHead8(rs)))
        .containsExactly(new double[] {1, 0.1, medium, 0.001 / 8}, within(1e-17));
  }

  @Test
  void unmodelledRopeScalingIsRejectedNotIgnored() {
    assertThatThrownBy(() -> ReferenceOps.inverseFrequencies(llamaHead8(Map.of("rope_type", "longrope", "factor", 2.0))))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("longrope");
    assertThatThrownBy(() -> ReferenceOps.inverseFrequencies(llamaHead8(Map.of("factor", 2.0))))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ReferenceOps.inverseFrequencies(llamaHead8(Map.of("rope_type", "linear"))))
        .hasMessageContaining("factor");
  }
}
