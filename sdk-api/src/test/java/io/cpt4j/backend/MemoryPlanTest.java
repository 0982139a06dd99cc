package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import org.junit.jupiter.api.Test;

/** The memory estimate against closed forms worked out by hand, and its properties. */
class MemoryPlanTest {

  /** Pythia-160M's shape: 12 layers of 768, 12 heads, MLP 3072, vocabulary 50304, untied head. */
  static ModelConfig pythia160m() {
    return ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(50304).hiddenSize(768).intermediateSize(3072)
        .numLayers(12).numHeads(12).maxPositionEmbeddings(2048).rotaryPct(0.25).parallelResidual(true)
        .tieWordEmbeddings(false).build();
  }

  /** A tiny Llama with grouped-query attention: 2 layers of 64, 4 query heads, 2 KV heads, MLP 128. */
  static ModelConfig tinyLlama() {
    return ModelConfig.builder(Architecture.LLAMA).vocabSize(256).hiddenSize(64).intermediateSize(128)
        .numLayers(2).numHeads(4).numKvHeads(2).maxPositionEmbeddings(64).tieWordEmbeddings(false).build();
  }

  @Test
  void pythia160mAtSequence1024InFp16MatchesTheClosedForm() {
    ModelConfig c = pythia160m();
    // Pythia-160M's published parameter count (embed_in and embed_out counted separately).
    assertThat(c.parameterCount()).isEqualTo(162_322_944L);
    MemoryPlan plan = MemoryPlan.estimate(c, 8, 1024, Precision.FP16_MIXED, false);
    long p = 162_322_944L;
    assertThat(plan.parameters()).isEqualTo(2 * p);
    assertThat(plan.masterWeights()).isEqualTo(4 * p);
    assertThat(plan.gradients()).isEqualTo(4 * p);
    assertThat(plan.optimizerMoments()).isEqualTo(8 * p);
    // N = 8·1024 = 8192 tokens, S = 8·12·1024² = 100,663,296 scores a layer, c = 2 bytes.
    long residual = 2L * 8192 * 768; // parallel residual: the block input only
    long norms = 2 * 12L * 8192 * 768; // two LayerNorms at 12 bytes an element
    long projections = 6 * 2L * 8192 * 768;
    long scores = 6L * 100_663_296; // float32 softmax + its float16 copy
    long mlp = 2 * 2L * 8192 * 3072;
    long layer = residual + norms + projections + scores + mlp;
    assertThat(layer).isEqualTo(943_718_400L);
    long head = 12L * 8192 * 768 + 4L * 8192 * 50304;
    // the float32 masks of this micro-batch and two built ahead, and a mask build's two bool temporaries
    long inputs = (3 * 4L + 2) * 8 * 1024 * 1024;
    assertThat(plan.activations()).isEqualTo(12 * layer + head + inputs).isEqualTo(13_165_920_256L);
    // the largest single activation is the float32 logits, 4·N·V = 1,648,361,472 bytes
    assertThat(plan.workspace()).isEqualTo(2 * 1_648_361_472L + (256L << 20));
    assertThat(plan.total()).isEqualTo(19_652_891_648L);
    assertThat(plan.describe()).isEqualTo("micro-batch 8 × 1024, fp16_mixed, no activation checkpointing: "
        + "weights 310 MiB + master weights 619 MiB + gradients 619 MiB + AdamW moments 1.21 GiB "
        + "+ activations 12.3 GiB + workspace 3.32 GiB = 18.3 GiB");

    MemoryPlan ckpt = MemoryPlan.estimate(c, 8, 1024, Precision.FP16_MIXED, true);
    // 13 stored block inputs (embedding output and 12 block outputs), then the head recomputed
    assertThat(ckpt.activations()).isEqualTo(13 * 2L * 8192 * 768 + head + inputs).isEqualTo(2_004_877_312L);
  }

  @Test
  void aTinyLlamaInFp32MatchesTheClosedForm() {
    ModelConfig c = tinyLlama();
    // embeddings and head 2·256·64, per layer: 2 norms 2·64, q 64·64, k and v 2·64·32, o 64·64,
    // gate/up/down 3·64·128; final norm 64
    long p = 2 * 256 * 64 + 2 * (2 * 64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128) + 64;
    assertThat(c.parameterCount()).isEqualTo(p).isEqualTo(106_816L);
    MemoryPlan plan = MemoryPlan.estimate(c, 2, 16, Precision.FP32, false);
    assertThat(plan.parameters()).isEqualTo(4 * p);
    assertThat(plan.masterWeights()).isZero();
    assertThat(plan.staticBytes()).isEqualTo(16 * p);
    // N = 32, A = 64, S = 2·4·16² = 2048, c = 4
    long layer = 2 * 4L * 32 * 64 // block input and mid-block residual
        + 2 * 8L * 32 * 64 // two RMSNorms at 8 bytes an element
        + 4 * 4L * 32 * 64 // queries, repeated keys and values, merged heads
        + 4L * 2048 // float32 softmax
        + 5 * 4L * 32 * 128; // gate, sigmoid, gate·sigmoid, up, product
    assertThat(layer).isEqualTo(172_032L);
    long head = 8L * 32 * 64 + 4L * 32 * 256;
    long inputs = (3 * 4L + 2) * 2 * 16 * 16;
    assertThat(plan.activations()).isEqualTo(2 * layer + head + inputs).isEqualTo(400_384L);
    assertThat(plan.workspace()).isEqualTo(2 * 4L * 32 * 256 + (256L << 20));
  }

  @Test
  void moreRowsOrLongerSequencesNeverNeedLess() {
    for (ModelConfig c : new ModelConfig[] {pythia160m(), tinyLlama()}) {
      for (Precision p : Precision.values()) {
        for (boolean ckpt : new boolean[] {false, true}) {
          long previous = 0;
          for (int b = 1; b <= 16; b++) {
            long t = MemoryPlan.estimate(c, b, 256, p, ckpt).total();
            assertThat(t).as("%s %s ckpt=%s rows %d", c.architecture(), p, ckpt, b).isGreaterThan(previous);
            previous = t;
          }
          previous = 0;
          for (int s = 16; s <= 2048; s *= 2) {
            long t = MemoryPlan.estimate(c, 2, s, p, ckpt).total();
            assertThat(t).as("%s %s ckpt=%s length %d", c.architecture(), p, ckpt, s).isGreaterThan(previous);
            previous = t;
          }
        }
      }
    }
  }

  @Test
  void checkpointingReducesActivationsAndNothingElse() {
    for (ModelConfig c : new ModelConfig[] {pythia160m(), tinyLlama()}) {
      for (Precision p : Precision.values()) {
        MemoryPlan full = MemoryPlan.estimate(c, 4, 512, p, false);
        MemoryPlan ckpt = MemoryPlan.estimate(c, 4, 512, p, true);
        assertThat(ckpt.activations()).isLessThan(full.activations());
        assertThat(ckpt.staticBytes()).isEqualTo(full.staticBytes());
        assertThat(ckpt.workspace()).isEqualTo(full.workspace());
      }
    }
  }

  @Test
  void frozenParametersNeedNoGradientsOrMomentsAndTheBaseCountsOnce() {
    ModelConfig c = tinyLlama();
    long p = c.parameterCount();
    // layer 1 of the tiny Llama: q (64·64), k and v (32·64 each), o (64·64), gate/up/down (3·64·128), two norms (2·64)
    long layer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 128 + 2 * 64;
    MemoryPlan all = MemoryPlan.estimate(c, 2, 16, SessionOptions.defaults());
    assertThat(all).isEqualTo(MemoryPlan.estimate(c, 2, 16, Precision.FP32, false));
    MemoryPlan frozen = MemoryPlan.estimate(c, 2, 16, SessionOptions.builder().trainable(Trainable.layers(1)).build());
    assertThat(frozen.trainableParameters()).isEqualTo(layer);
    assertThat(frozen.gradients()).isEqualTo(4 * layer);
    assertThat(frozen.optimizerMoments()).isEqualTo(8 * layer);
    assertThat(frozen.parameters()).isEqualTo(4 * p);
    MemoryPlan l2 = MemoryPlan.estimate(c, 2, 16, SessionOptions.builder().trainable(Trainable.layers(1))
        .regularizers(java.util.List.of(Regularizer.l2(1))).build());
    assertThat(l2.referenceWeights()).isEqualTo(4 * layer);
    assertThat(l2.activations()).isEqualTo(frozen.activations());
    MemoryPlan kl = MemoryPlan.estimate(c, 2, 16, SessionOptions.builder()
        .regularizers(java.util.List.of(Regularizer.kl(1))).build());
    assertThat(kl.referenceWeights()).isEqualTo(4 * p);
    assertThat(kl.activations() - all.activations()).isEqualTo(16L * 2 * 16 * 256); // 16·N·V
    assertThat(kl.describe()).contains(" + frozen base ");
    assertThatThrownBy(() -> MemoryPlan.estimate(c, 2, 16, SessionOptions.builder().trainable(Trainable.layers(5))
        .build())).hasMessageContaining("matches no parameter");
  }

  @Test
  void fp16HalvesTheWeightsButAddsMasters() {
    MemoryPlan fp32 = MemoryPlan.estimate(pythia160m(), 1, 128, Precision.FP32, false);
    MemoryPlan fp16 = MemoryPlan.estimate(pythia160m(), 1, 128, Precision.FP16_MIXED, false);
    assertThat(fp16.parameters()).isEqualTo(fp32.parameters() / 2);
    assertThat(fp16.staticBytes()).isEqualTo(fp32.staticBytes() + fp32.parameters() / 2);
  }

  @Test
  void suggestionsNameWhatFits() {
    ModelConfig c = pythia160m();
    MemoryPlan plan = MemoryPlan.estimate(c, 8, 1024, Precision.FP16_MIXED, false);
    assertThat(plan.suggestion(plan.total())).isEmpty();
    long ckptTotal = MemoryPlan.estimate(c, 8, 1024, Precision.FP16_MIXED, true).total();
    assertThat(plan.suggestion(ckptTotal)).startsWith("turn on activation checkpointing").contains("7.91 GiB");
    long twoRows = MemoryPlan.estimate(c, 2, 1024, Precision.FP16_MIXED, true).total();
    MemoryPlan withCkpt = MemoryPlan.estimate(c, 8, 1024, Precision.FP16_MIXED, true);
    assertThat(withCkpt.suggestion(twoRows)).startsWith("use micro-batches of 2 rows (more gradient-accumulation");
    assertThat(plan.suggestion(twoRows)).startsWith("use micro-batches of 2 rows with activation checkpointing");
    assertThat(plan.suggestion(plan.staticBytes() + (256L << 20) + 1)).startsWith("shorten the sequences: even one row of 1024");
    assertThat(plan.suggestion(1L << 30)).isEqualTo(
        "the model's weights, gradients and AdamW moments alone need 2.72 GiB: use a device with more memory");
  }

  @Test
  void badShapesAreRejected() {
    assertThatThrownBy(() -> MemoryPlan.estimate(tinyLlama(), 0, 16, Precision.FP32, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 × 16");
  }

  @Test
  void bytesAreHumanReadable() {
    assertThat(MemoryPlan.bytes(512)).isEqualTo("512 B");
    assertThat(MemoryPlan.bytes(1536)).isEqualTo("1.50 KiB");
    assertThat(MemoryPlan.bytes(80L << 30)).isEqualTo("80.0 GiB");
  }

  @Test
  void bf16IsRefusedWithTheReason() {
    assertThat(Precision.parse("fp16-mixed")).isEqualTo(Precision.FP16_MIXED);
    assertThat(Precision.parse("FP32")).isEqualTo(Precision.FP32);
    assertThatThrownBy(() -> Precision.parse("bf16")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aborts the JVM on bfloat16").hasMessageContaining("fp16-mixed");
    assertThatThrownBy(() -> Precision.parse("int8")).hasMessageContaining("unknown precision 'int8'");
  }
}
