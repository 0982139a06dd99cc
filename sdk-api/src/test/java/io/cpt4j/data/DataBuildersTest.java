package io.cpt4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.Limits.Exhaustion;
import org.junit.jupiter.api.Test;

/** Packing and Limits: builders hold the documented defaults, newBuilder copies, the shortcuts are builds. */
class DataBuildersTest {
  @Test
  void packedAndUnpackedAreBuildsWithTheDefaults() {
    Packing packed = Packing.packed(16, 9);
    assertThat(packed).isEqualTo(Packing.builder().sequenceLength(16).eosId(9).build());
    assertThat(packed.packed()).isTrue();
    assertThat(packed.padId()).as("padding defaults to the EOS id").isEqualTo(9);
    assertThat(packed.bosId()).isEqualTo(-1);
    assertThat(packed.framesWithBos()).isFalse();

    Packing unpacked = Packing.unpacked(16, 9, 0);
    assertThat(unpacked).isEqualTo(Packing.builder().sequenceLength(16).packed(false).eosId(9).padId(0).build());
    assertThat(unpacked.packed()).isFalse();
    assertThat(unpacked.padId()).isZero();
  }

  @Test
  void packingNewBuilderCopiesEveryComponent() {
    Packing p = Packing.builder().sequenceLength(8).packed(false).eosId(9).padId(0).bosId(12).build();
    assertThat(p.framesWithBos()).isTrue();
    assertThat(p.newBuilder().build()).isEqualTo(p);
    Packing bare = p.newBuilder().bosId(-1).build();
    assertThat(bare.framesWithBos()).isFalse();
    assertThat(bare.newBuilder().bosId(12).build()).isEqualTo(p);
    assertThat(p.newBuilder().eosId(3).build().padId()).as("a copy keeps its padding id").isZero();
  }

  @Test
  void packingBuildNamesWhatIsMissingOrOutOfRange() {
    assertThatThrownBy(() -> Packing.builder().sequenceLength(8).build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("eosId is not set: every document ends with it");
    assertThatThrownBy(() -> Packing.builder().eosId(9).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sequence length must be >= 1, got 0");
    assertThatThrownBy(() -> Packing.packed(8, 9).newBuilder().bosId(-2).build())
        .hasMessage("bos id must be >= 0, or -1 for none, got -2");
  }

  @Test
  void limitsNoneIsTheBuildersDefaults() {
    Limits none = Limits.none();
    assertThat(none).isEqualTo(Limits.builder().build());
    assertThat(none.tokenBudget()).isZero();
    assertThat(none.subsetDocuments()).isZero();
    assertThat(none.epochs()).isEqualTo(1);
    assertThat(none.onExhausted()).isEqualTo(Exhaustion.RESTART);
  }

  @Test
  void aBudgetOrMoreThanOneEpochSwitchesTheDefaultActionToDrop() {
    assertThat(Limits.builder().tokenBudget(100).build().onExhausted()).isEqualTo(Exhaustion.DROP);
    assertThat(Limits.builder().epochs(2).build().onExhausted()).isEqualTo(Exhaustion.DROP);
    assertThat(Limits.builder().subsetDocuments(10).build().onExhausted()).isEqualTo(Exhaustion.RESTART);
    assertThat(Limits.builder().subsetDocuments(10).epochs(3).onExhausted(Exhaustion.STOP).build().onExhausted())
        .isEqualTo(Exhaustion.STOP);
    assertThat(Limits.builder().tokenBudget(100).onExhausted(null).build().onExhausted()).isEqualTo(Exhaustion.DROP);
    assertThatThrownBy(() -> Limits.builder().onExhausted(Exhaustion.RESTART).tokenBudget(100).build())
        .hasMessage("a token budget or more than one epoch needs onExhausted STOP or DROP: "
            + "RESTART would ignore the limit");
  }

  @Test
  void limitsNewBuilderCopiesEveryLimitAndARestartFollowsNewLimits() {
    Limits stop = Limits.builder().tokenBudget(500).subsetDocuments(7).epochs(2).onExhausted(Exhaustion.STOP).build();
    assertThat(stop.newBuilder().build()).isEqualTo(stop);
    assertThat(stop.newBuilder().tokenBudget(0).build().onExhausted()).isEqualTo(Exhaustion.STOP);
    Limits subset = Limits.builder().subsetDocuments(7).build();
    assertThat(subset.newBuilder().build()).isEqualTo(subset);
    Limits budgeted = subset.newBuilder().tokenBudget(100).build();
    assertThat(budgeted.onExhausted()).isEqualTo(Exhaustion.DROP);
    assertThat(budgeted.subsetDocuments()).isEqualTo(7);
    assertThat(budgeted.newBuilder().tokenBudget(0).build().onExhausted()).as("an explicit DROP is kept")
        .isEqualTo(Exhaustion.DROP);
  }
}
