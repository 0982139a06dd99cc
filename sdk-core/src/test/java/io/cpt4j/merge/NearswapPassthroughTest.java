package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.TensorInfo;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** NearSwap and passthrough against float64 references of their definitions, and their endpoints. */
class NearswapPassthroughTest extends MergeFixtures.WithFourCheckpoints {
  /** NearSwap: {@code w = min(1, t/|base − model|)} (1 where equal), {@code w·model + (1 − w)·base}. */
  static double[] nearswap(double t, double[] o, double[] x) {
    return IntStream.range(0, o.length).mapToDouble(i -> {
      double diff = Math.abs(o[i] - x[i]);
      double w = diff == 0 ? 1 : Math.min(1, t / diff);
      return w * x[i] + (1 - w) * o[i];
    }).toArray();
  }

  void assertSame(Checkpoint x, Checkpoint y) {
    for (TensorInfo t : y.tensors()) {
      assertThat(x.tensor(t.name()).info()).isEqualTo(t);
      assertThat(doubles(x, t.name())).as(t.name()).isEqualTo(doubles(y, t.name()));
    }
  }

  @Test
  void nearswapTakesTheModelWhereItIsWithinTAndStepsTByTowardsItElsewhere() {
    for (Checkpoint model : List.of(a, b)) {
      Checkpoint out = run(Merge.builder(new MergeMethod.Nearswap(0.03), base).model(model).build());
      assertEveryElement(out, name -> nearswap(0.03, doubles(base, name), doubles(model, name)));
    }
    // a gradient: t = 0 at the embeddings and layer 0, 0.1 at layer 1 and the head
    Checkpoint out = run(Merge.builder(new MergeMethod.Nearswap(ParamValue.gradient(0, 0.1)), base).model(a).build());
    assertEveryElement(out, name -> nearswap(name.contains("embed") || name.contains("layers.0.") ? 0 : 0.1,
        doubles(base, name), doubles(a, name)));
  }

  @Test
  void nearswapWithTZeroGivesTheBaseAndWithALargeTTheModel() {
    assertSame(run(Merge.builder(new MergeMethod.Nearswap(0), base).model(a).build()), base);
    assertSame(run(Merge.builder(new MergeMethod.Nearswap(10), base).model(a).build()), a);
    assertSame(run(Merge.builder(new MergeMethod.Nearswap(0.01), base).model(base).build()), base);
  }

  @Test
  void nearswapRefusesANegativeThresholdAndAnotherTarget() {
    Merge negative = Merge.builder(new MergeMethod.Nearswap(-0.1), base).model(a).build();
    assertThatThrownBy(() -> negative.writeTo(dir.resolve("never"))).isInstanceOf(MergeException.class)
        .hasMessageContaining("nearswap's t for").hasMessageContaining("must be >= 0, got -0.1");
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Nearswap(0.1), base).onto(b).model(a).build())
        .isInstanceOf(MergeException.class).hasMessageContaining("nearswap interpolates");
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Nearswap(0.1), base).model(a).model(b).build())
        .isInstanceOf(MergeException.class).hasMessage("nearswap takes exactly one model besides the base, got 2");
  }

  @Test
  void passthroughWithScaleOneIsTheIdentity() {
    assertSame(run(Merge.builder(new MergeMethod.Passthrough(), b).model(b).build()), b);
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Passthrough(), a).model(a).model(b).build())
        .isInstanceOf(MergeException.class).hasMessage("passthrough takes exactly one model besides the base, got 2");
  }

  @Test
  void passthroughMultipliesEachTensorByItsScale() {
    ParamValue scale = new ParamValue.Filtered(List.of(new ParamValue.Rule("o_proj", ParamValue.of(0)),
        new ParamValue.Rule("mlp", ParamValue.gradient(0.5, 2)), new ParamValue.Rule(null, ParamValue.of(1))));
    Checkpoint out = run(Merge.builder(new MergeMethod.Passthrough(scale), a).model(a).build());
    assertEveryElement(out, name -> {
      double s = name.contains("o_proj") ? 0 : !name.contains("mlp") ? 1 : name.contains("layers.0.") ? 0.5 : 2;
      return java.util.Arrays.stream(doubles(a, name)).map(v -> s * v).toArray();
    });
  }
}
