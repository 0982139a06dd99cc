package io.cpt4j.model;

import static io.cpt4j.model.ReferenceDecoder.randomBatch;
import static io.cpt4j.model.ReferenceDecoder.randomWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Facts about decoders that hold whatever the weights: causality, document isolation in packed
 * rows, grouped-query attention as duplicated heads, tied heads, the rotate-half pairing, biases
 * that commute with attention. Each compares two forward passes, so a bug has to break a
 * structural identity, not only a number.
 */
class ReferenceInvarianceTest {
  private static final double TIGHT = 1e-12;

  static final Map<String, Object> LLAMA3 = TestCheckpoints.LLAMA3_ROPE_SCALING;

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("llama", TestCheckpoints.tinyLlama()),
        Arguments.of("llama-gqa", TestCheckpoints.tinyLlamaGqa()),
        Arguments.of("llama-tied", TestCheckpoints.tinyLlamaTied()),
        Arguments.of("qwen2", TestCheckpoints.tinyQwen2()),
        Arguments.of("llama-head-dim-8-all-biases", TestCheckpoints.tinyLlamaGqa().newBuilder().headDim(8)
            .qkvBias(true).attentionOutputBias(true).mlpBias(true).build()),
        Arguments.of("llama3-rope", TestCheckpoints.tinyLlama().newBuilder().ropeScaling(LLAMA3).build()),
        Arguments.of("neox", TestCheckpoints.tinyNeox()),
        Arguments.of("neox-sequential-tied", TestCheckpoints.tinyNeox().newBuilder().parallelResidual(false)
            .tieWordEmbeddings(true).rotaryPct(1.0).build()));
  }

  private static double[] logits(ModelConfig c, Map<String, float[]> w, Batch b) {
    return ReferenceDecoder.logits(c, w::get, b);
  }

  private static Batch inputsOnly(int[] ids, int[] docs) {
    int[] targets = new int[ids.length];
    Arrays.fill(targets, Batch.IGNORE);
    return new Batch(1, ids.length, ids, targets, new float[ids.length], docs);
  }

  private static double maxDiff(double[] a, int aFrom, double[] b, int bFrom, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) {
      m = Math.max(m, Math.abs(a[aFrom + i] - b[bFrom + i]));
    }
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void changingLaterTokensLeavesEarlierLogitsUnchanged(String name, ModelConfig c) {
    Map<String, float[]> w = randomWeights(c, 1);
    Batch b = randomBatch(c, 2, 10, 2, false);
    int[] in = b.inputIds().clone();
    for (int t = 6; t < 10; t++) {
      in[t] = (in[t] + 1 + t) % c.vocabSize();
    }
    double[] before = logits(c, w, b);
    double[] after = logits(c, w, new Batch(2, 10, in, b.targets(), b.weights(), b.documentIds()));
    int v = c.vocabSize();
    assertThat(maxDiff(before, 0, after, 0, 6 * v)).as("positions 0..5").isLessThanOrEqualTo(TIGHT);
    assertThat(maxDiff(before, 10 * v, after, 10 * v, 10 * v)).as("the other row").isLessThanOrEqualTo(TIGHT);
    for (int t = 6; t < 10; t++) {
      assertThat(maxDiff(before, t * v, after, t * v, v)).as("position %d", t).isGreaterThan(1e-6);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void aDocumentPackedAfterAnotherGivesTheLogitsItHasAlone(String name, ModelConfig c) {
    Map<String, float[]> w = randomWeights(c, 3);
    int[] a = randomBatch(c, 1, 4, 4, false).inputIds();
    int[] bdoc = randomBatch(c, 1, 6, 5, false).inputIds();
    int[] ab = new int[10];
    System.arraycopy(a, 0, ab, 0, 4);
    System.arraycopy(bdoc, 0, ab, 4, 6);
    int v = c.vocabSize();
    double[] packed = logits(c, w, inputsOnly(ab, new int[] {5, 5, 5, 5, 9, 9, 9, 9, 9, 9}));
    double[] aloneA = logits(c, w, inputsOnly(a, new int[4]));
    double[] aloneB = logits(c, w, inputsOnly(bdoc, new int[] {7, 7, 7, 7, 7, 7}));
    assertThat(maxDiff(packed, 0, aloneA, 0, 4 * v)).as("document A").isLessThanOrEqualTo(TIGHT);
    assertThat(maxDiff(packed, 4 * v, aloneB, 0, 6 * v)).as("document B").isLessThanOrEqualTo(TIGHT);
    // without the document boundary B sees A and sits at positions 4..9: every position differs
    double[] unpacked = logits(c, w, inputsOnly(ab, new int[10]));
    for (int t = 4; t < 10; t++) {
      assertThat(maxDiff(unpacked, t * v, aloneB, (t - 4) * v, v)).as("position %d", t).isGreaterThan(1e-6);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void rowsOfABatchDoNotSeeEachOther(String name, ModelConfig c) {
    Map<String, float[]> w = randomWeights(c, 6);
    Batch two = randomBatch(c, 2, 7, 7, true);
    double[] both = logits(c, w, two);
    int n = 7 * c.vocabSize();
    for (int r = 0; r < 2; r++) {
      int[] ids = Arrays.copyOfRange(two.inputIds(), r * 7, r * 7 + 7);
      int[] docs = Arrays.copyOfRange(two.documentIds(), r * 7, r * 7 + 7);
      assertThat(maxDiff(both, r * n, logits(c, w, inputsOnly(ids, docs)), 0, n)).isLessThanOrEqualTo(TIGHT);
    }
  }

  /** The same weights for a config with one key/value head per query head, head h taking kv head {@code kvOf(h)}. */
  private static Map<String, float[]> repeatKv(ModelConfig gqa, Map<String, float[]> w, IntUnaryOperator kvOf) {
    Map<String, float[]> out = new HashMap<>(w);
    int hd = gqa.headDim();
    int hidden = gqa.hiddenSize();
    for (int l = 0; l < gqa.numLayers(); l++) {
      for (String proj : new String[] {"k_proj", "v_proj"}) {
        String p = "model.layers." + l + ".self_attn." + proj;
        float[] wt = w.get(p + ".weight");
        float[] rw = new float[gqa.numHeads() * hd * hidden];
        float[] bias = w.get(p + ".bias");
        float[] rb = new float[gqa.numHeads() * hd];
        for (int h = 0; h < gqa.numHeads(); h++) {
          System.arraycopy(wt, kvOf.applyAsInt(h) * hd * hidden, rw, h * hd * hidden, hd * hidden);
          if (bias != null) {
            System.arraycopy(bias, kvOf.applyAsInt(h) * hd, rb, h * hd, hd);
          }
        }
        out.put(p + ".weight", rw);
        if (bias != null) {
          out.put(p + ".bias", rb);
        }
      }
    }
    return out;
  }

  @Test
  void groupedQueryAttentionEqualsMultiHeadAttentionWithKeyValueHeadsRepeated() {
    for (ModelConfig gqa : new ModelConfig[] {TestCheckpoints.tinyLlamaGqa(), TestCheckpoints.tinyQwen2()}) {
      ModelConfig mha = gqa.newBuilder().numKvHeads(gqa.numHeads()).build();
      int g = gqa.queriesPerKvHead();
      Map<String, float[]> w = randomWeights(gqa, 8);
      Batch b = randomBatch(gqa, 2, 9, 9, true);
      // HF repeat_kv: kv head j serves query heads j·g .. j·g + g - 1
      double[] expected = logits(mha, repeatKv(gqa, w, h -> h / g), b);
      assertThat(logits(gqa, w, b)).containsExactly(expected, within(TIGHT));
      if (gqa.numKvHeads() > 1) { // the round-robin assignment h % numKvHeads is a different model
        double[] roundRobin = logits(mha, repeatKv(gqa, w, h -> h % gqa.numKvHeads()), b);
        assertThat(maxDiff(roundRobin, 0, expected, 0, expected.length)).isGreaterThan(1e-6);
      }
    }
  }

  @Test
  void aTiedHeadEqualsAnUntiedHeadHoldingTheEmbedding() {
    for (ModelConfig tied : new ModelConfig[] {TestCheckpoints.tinyLlamaTied(),
        TestCheckpoints.tinyNeox().newBuilder().tieWordEmbeddings(true).build()}) {
      ModelConfig untied = tied.newBuilder().tieWordEmbeddings(false).build();
      Map<String, float[]> w = randomWeights(tied, 10);
      Map<String, float[]> u = new HashMap<>(w);
      boolean llama = tied.architecture() == io.cpt4j.checkpoint.Architecture.LLAMA;
      u.put(llama ? "lm_head.weight" : "embed_out.weight", w.get(llama ? "model.embed_tokens.weight" : "gpt_neox.embed_in.weight"));
      Batch b = randomBatch(tied, 2, 6, 11, true);
      assertThat(logits(tied, w, b)).containsExactly(logits(untied, u, b), within(0.0));
    }
  }

  @Test
  void aHeadOfWidthEightWithOnlyChannelsZeroAndFourLiveEqualsAHeadOfWidthTwo() {
    // Rotate-half pairs channel i with i + d/2 at frequency θ^(-2i/d): in a width-8 head, channels
    // 0 and 4 turn together at frequency 1, exactly like channels 0 and 1 of a width-2 head. With
    // q doubled, the score scale 1/√8 becomes 2/√8 = 1/√2, the width-2 scale. Interleaved (GPT-J)
    // pairing or a scale of 1/√(hidden/heads) would break the equality.
    ModelConfig narrow = ModelConfig.builder(io.cpt4j.checkpoint.Architecture.LLAMA).vocabSize(20).hiddenSize(4)
        .intermediateSize(6).numLayers(2).numHeads(2).numKvHeads(1).qkvBias(true).attentionOutputBias(true).build();
    ModelConfig wide = narrow.newBuilder().headDim(8).build();
    Map<String, float[]> w = randomWeights(narrow, 12);
    Map<String, float[]> v = new HashMap<>(w);
    for (int l = 0; l < 2; l++) {
      String p = "model.layers." + l + ".self_attn.";
      v.put(p + "q_proj.weight", widenRows(w.get(p + "q_proj.weight"), 2, 4, 2f));
      v.put(p + "q_proj.bias", widenRows(w.get(p + "q_proj.bias"), 2, 1, 2f));
      for (String kv : new String[] {"k_proj", "v_proj"}) {
        v.put(p + kv + ".weight", widenRows(w.get(p + kv + ".weight"), 1, 4, 1f));
        v.put(p + kv + ".bias", widenRows(w.get(p + kv + ".bias"), 1, 1, 1f));
      }
      float[] o = w.get(p + "o_proj.weight"); // [4, 2·2] → [4, 2·8]
      float[] wo = new float[4 * 16];
      for (int r = 0; r < 4; r++) {
        for (int h = 0; h < 2; h++) {
          wo[r * 16 + h * 8] = o[r * 4 + h * 2];
          wo[r * 16 + h * 8 + 4] = o[r * 4 + h * 2 + 1];
        }
      }
      v.put(p + "o_proj.weight", wo);
    }
    Batch b = randomBatch(narrow, 2, 8, 13, true);
    assertThat(logits(wide, v, b)).containsExactly(logits(narrow, w, b), within(TIGHT));
  }

  /** Rows of {@code heads} width-2 heads (each row {@code cols} wide) placed at channels 0 and 4 of width-8 heads. */
  private static float[] widenRows(float[] m, int heads, int cols, float scale) {
    float[] out = new float[heads * 8 * cols];
    for (int h = 0; h < heads; h++) {
      for (int c = 0; c < cols; c++) {
        out[(h * 8) * cols + c] = scale * m[(h * 2) * cols + c];
        out[(h * 8 + 4) * cols + c] = scale * m[(h * 2 + 1) * cols + c];
      }
    }
    return out;
  }

  @Test
  void aValueBiasActsAsTheOutputBiasItProjectsTo() {
    // attention weights sum to 1, so a value bias b adds b to every head output, i.e. W_o·b after
    // the output projection: moving it there changes nothing
    ModelConfig llama = TestCheckpoints.tinyLlama().newBuilder().qkvBias(true).attentionOutputBias(true).build();
    ModelConfig neox = TestCheckpoints.tinyNeox();
    for (ModelConfig c : new ModelConfig[] {llama, neox}) {
      boolean isLlama = c == llama;
      Map<String, float[]> w = randomWeights(c, 14);
      String p = isLlama ? "model.layers.0.self_attn." : "gpt_neox.layers.0.attention.";
      String vb = isLlama ? p + "v_proj.bias" : p + "query_key_value.bias";
      String ob = isLlama ? p + "o_proj.bias" : p + "dense.bias";
      String ow = isLlama ? p + "o_proj.weight" : p + "dense.weight";
      int channel = 5; // head 1, channel 1 of width-4 (llama) / channel 5 of head 0 of width-8 (neox) heads
      int vIndex = isLlama ? channel : 2 * c.headDim() + channel; // NeoX: v of head 0 starts at 2·headDim
      Map<String, float[]> inV = new HashMap<>(w);
      float[] vbias = w.get(vb).clone();
      vbias[vIndex] = 0.5f;
      inV.put(vb, vbias);
      inV.put(ob, new float[c.hiddenSize()]);
      Map<String, float[]> inO = new HashMap<>(w);
      float[] vbias0 = w.get(vb).clone();
      vbias0[vIndex] = 0;
      inO.put(vb, vbias0);
      float[] obias = new float[c.hiddenSize()];
      int in = c.numHeads() * c.headDim();
      for (int r = 0; r < c.hiddenSize(); r++) {
        obias[r] = 0.5f * w.get(ow)[r * in + channel];
      }
      inO.put(ob, obias);
      Batch b = randomBatch(c, 2, 7, 15, true);
      assertThat(logits(c, inV, b)).containsExactly(logits(c, inO, b), within(TIGHT));
    }
  }

  @Test
  void parallelAndSequentialResidualsDiffer() {
    ModelConfig parallel = TestCheckpoints.tinyNeox();
    ModelConfig sequential = parallel.newBuilder().parallelResidual(false).build();
    Map<String, float[]> w = randomWeights(parallel, 16);
    Batch b = randomBatch(parallel, 1, 5, 17, false);
    double[] x = logits(parallel, w, b);
    assertThat(maxDiff(x, 0, logits(sequential, w, b), 0, x.length)).isGreaterThan(1e-4);
  }

  @Test
  void ropeScalingLeavesDocumentStartsAloneAndMovesLaterPositions() {
    // at position 0 the rotation is the identity and a position-0 query sees only itself
    ModelConfig plain = TestCheckpoints.tinyLlama();
    ModelConfig scaled = plain.newBuilder().ropeScaling(LLAMA3).build();
    ModelConfig linearOne = plain.newBuilder().ropeScaling(Map.of("rope_type", "linear", "factor", 1.0)).build();
    Map<String, float[]> w = randomWeights(plain, 18);
    int[] ids = randomBatch(plain, 1, 8, 19, false).inputIds();
    int[] docs = {0, 0, 0, 1, 1, 1, 1, 1};
    int v = plain.vocabSize();
    double[] x = logits(plain, w, inputsOnly(ids, docs));
    double[] y = logits(scaled, w, inputsOnly(ids, docs));
    for (int t = 0; t < 8; t++) {
      double d = maxDiff(x, t * v, y, t * v, v);
      if (t == 0 || t == 3) {
        assertThat(d).as("document start %d", t).isLessThanOrEqualTo(TIGHT);
      } else {
        assertThat(d).as("position %d", t).isGreaterThan(1e-7);
      }
    }
    assertThat(logits(linearOne, w, inputsOnly(ids, docs))).containsExactly(x, within(0.0));
  }
}
