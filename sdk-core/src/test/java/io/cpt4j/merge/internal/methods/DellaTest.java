package io.cpt4j.merge.internal.methods;

import static io.cpt4j.merge.MergeFixtures.disjointMean;
import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.taskVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeFixtures;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.DerivedTensor;
import io.cpt4j.merge.internal.engine.Scratch;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * DELLA against a float64 reference of Deep et al.'s MagPrune as mergekit implements it (per row:
 * keep probabilities from density − ε for the smallest magnitude to density + ε for the largest,
 * rescale by 1/p; then TIES's sign consensus or a plain weighted sum), and its reductions: density 1
 * is TIES / task arithmetic, ε = 0 is DARE with the same drop pattern.
 */
class DellaTest extends MergeFixtures.WithFourCheckpoints {
  static final long SEED = 7;
  /**
   * The reference MagPrune of model {@code k}'s task vector in tensor {@code name}: rows of the last
   * dimension (a vector is one row), ranks by |δ| ascending (of equal magnitudes the later entry ranks
   * lower), {@code p = density − ε + 2ε·rank/(L − 1)}, kept where the seeded uniform draw is below
   * {@code p} and divided by {@code p}. The draws are the engine's ({@link DropPattern}): the random
   * source, not the formula.
   */
  static double[] magPrune(double[] delta, long rowLength, double density, double epsilon, String name, int k) {
    double[] out = new double[delta.length];
    if (density >= 1) {
      return delta.clone();
    }
    long key = DropPattern.key(SEED, name, k);
    int len = (int) rowLength;
    for (int row = 0; row < delta.length / len; row++) {
      int start = row * len;
      Integer[] ascending = IntStream.range(start, start + len).boxed().toArray(Integer[]::new);
      Arrays.sort(ascending, Comparator.comparingDouble((Integer i) -> Math.abs(delta[i]))
          .thenComparing(Comparator.reverseOrder()));
      for (int rank = 0; rank < len; rank++) {
        int i = ascending[rank];
        double p = len == 1 ? density : density - epsilon + 2 * epsilon * rank / (len - 1);
        out[i] = DropPattern.uniform(key, i) < p ? delta[i] / p : 0;
      }
    }
    return out;
  }

  static long rowLength(Checkpoint c, String name) {
    List<Long> shape = c.tensor(name).info().shape();
    return shape.size() < 2 ? c.tensor(name).info().elementCount() : shape.getLast();
  }

  double[][] pruned(String name, double[] o, List<Checkpoint> models, double[] density, double epsilon) {
    double[][] d = new double[models.size()][];
    for (int k = 0; k < d.length; k++) {
      d[k] = magPrune(taskVector(doubles(models.get(k), name), o), rowLength(base, name), density[k], epsilon, name, k);
    }
    return d;
  }

  Merge.Builder three(MergeMethod m, double[] w, double[] density) {
    return Merge.builder(m, base).model(new MergeInput(a, w[0], density[0])).model(new MergeInput(b, w[1], density[1]))
        .model(new MergeInput(c, w[2], density[2]));
  }

  @Test
  void dellaPrunesEachRowByMagnitudeRankThenTakesTheDisjointMeanOfTheAgreeingEntries() {
    double[] w = {1.0, 0.6, 0.8};
    double[] density = {0.5, 0.4, 0.7};
    Checkpoint out = run(three(new MergeMethod.Della(0.9, true, 0.2, SEED), w, density).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      double[][] d = pruned(name, o, List.of(a, b, c), density, 0.2);
      return IntStream.range(0, o.length).mapToDouble(i -> o[i] + 0.9 * disjointMean(w, d, i)).toArray();
    });
  }

  @Test
  void dellaLinearAddsTheWeightedSumOfThePrunedVectors() {
    double[] w = {0.5, -0.7, 1.2};
    double[] density = {0.3, 0.6, 0.45};
    Checkpoint out = run(three(new MergeMethod.DellaLinear(1.1, false, 0.25, SEED), w, density).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      double[][] d = pruned(name, o, List.of(a, b, c), density, 0.25);
      return IntStream.range(0, o.length)
          .mapToDouble(i -> o[i] + 1.1 * (w[0] * d[0][i] + w[1] * d[1][i] + w[2] * d[2][i])).toArray();
    });
  }

  @Test
  void densityOneIsTiesAndTaskArithmeticAndEpsilonZeroIsDareWithTheSameDraws() {
    double[] w = {1.0, 0.6, 0.8};
    double[] ones = {1, 1, 1};
    double[] density = {0.5, 0.4, 0.7};
    assertSameTensors(run(three(new MergeMethod.Della(0.9, true, 0.3, SEED), w, ones).build()),
        run(three(new MergeMethod.Ties(0.9, true), w, ones).build()));
    assertSameTensors(run(three(new MergeMethod.DellaLinear(0.9, false, 0.3, SEED), w, ones).build()),
        run(three(new MergeMethod.TaskArithmetic(0.9, false), w, ones).build()));
    assertSameTensors(run(three(new MergeMethod.Della(1, true, 0, SEED), w, density).build()),
        run(three(new MergeMethod.DareTies(1, true, SEED), w, density).build()));
    assertSameTensors(run(three(new MergeMethod.DellaLinear(1, false, 0, SEED), w, density).build()),
        run(three(new MergeMethod.DareLinear(1, false, SEED), w, density).build()));
  }

  @Test
  void identicalInputsGiveTheInput() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Della(1, true, 0.1, SEED), base)
        .model(new MergeInput(base, 1, 0.5)).model(new MergeInput(base, 2, 0.3)).build());
    assertSameTensors(out, base);
  }

  void assertSameTensors(Checkpoint x, Checkpoint y) {
    for (TensorInfo t : y.tensors()) {
      assertThat(doubles(x, t.name())).as(t.name()).isEqualTo(doubles(y, t.name()));
    }
  }

  @Test
  void largerMagnitudesAreKeptMoreOftenAroundTheDensityOnAverage() {
    int rows = 40;
    int len = 5000;
    SplittableRandom r = new SplittableRandom(3);
    float[] x = new float[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Tensor zero = Tensor.ofFloats("w", new long[] {rows, len}, new float[x.length]);
    Tensor model = Tensor.ofFloats("w", new long[] {rows, len}, x);
    TaskArithmeticKernel.Rule rule = TaskArithmeticKernel.Rule.of(new MergeMethod.DellaLinear(1, false, 0.2, SEED));
    TensorMerge tm = new TensorMerge(rule, "w", zero, zero, new Tensor[] {model}, new double[] {1},
        new double[] {0.5}, x.length, 1000, len);
    float[] got = new float[x.length];
    new DerivedTensor(zero.info(), tm, null, new Scratch.Pool(1000)).readFloats(0, got, 0, x.length);
    int[] kept = new int[3]; // of the smallest tenth of |x|, the largest tenth, all
    int[] seen = new int[3];
    for (int i = 0; i < x.length; i++) {
      int group = Math.abs(x[i]) < 0.1257 ? 0 : Math.abs(x[i]) > 1.6449 ? 1 : -1; // deciles of |N(0, 1)|
      boolean k = got[i] != 0;
      if (k) {
        double p = x[i] / (double) got[i];
        assertThat(p).as("rescaled by 1/p, p in [0.3, 0.7]").isBetween(0.3 - 1e-6, 0.7 + 1e-6);
      }
      for (int g : new int[] {group, 2}) {
        if (g >= 0) {
          seen[g]++;
          kept[g] += k ? 1 : 0;
        }
      }
    }
    assertThat(kept[2] / (double) seen[2]).isCloseTo(0.5, within(0.01));
    assertThat(kept[0] / (double) seen[0]).as("p from 0.3 to 0.34").isCloseTo(0.32, within(0.015));
    assertThat(kept[1] / (double) seen[1]).as("p from 0.66 to 0.7").isCloseTo(0.68, within(0.015));
  }

  @Test
  void aDensityTooCloseToZeroOrOneForEpsilonIsRefusedNamingTheModelAndTensor() {
    Merge merge = Merge.builder(new MergeMethod.Della(1, true, 0.2, 0), base).model(new MergeInput(a, 1, 0.15)).build();
    assertThatThrownBy(() -> merge.writeTo(dir.resolve("never"))).isInstanceOf(MergeException.class)
        .hasMessageContaining("density ± epsilon of " + a.directory() + " for ")
        .hasMessageContaining(" must lie in (0, 1), got 0.15 ± 0.2");
    assertThat(dir.resolve("never")).doesNotExist();
  }
}
