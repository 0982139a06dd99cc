package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.model.ReferenceDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.assertj.core.data.Offset;

/**
 * Shared fixtures of the scorer tests: request mixes around the model's context length and an
 * independent float64 answer per request from {@link ReferenceDecoder}, with the harness's
 * truncation rule written out again here rather than taken from {@link Window}.
 */
final class ScoringFixtures {
  private ScoringFixtures() {}

  /** Logprob tolerance against references: 1e-4 absolute. */
  static final double TOLERANCE = 1e-4;

  /** A reference answer and the smallest top-1 / top-2 logit margin over its scored positions. */
  record Expected(double logprob, boolean greedy, double minMargin) {}

  /**
   * Requests of every kind the truncation rule distinguishes, for a model of context {@code max}:
   * one-token context and continuation, short ones, ones ending exactly at the context length, just
   * over it, far over it, a continuation as long as the context and one a token shorter.
   */
  static List<LoglikelihoodRequest> edgeRequests(ModelConfig c, long seed) {
    int max = c.maxPositionEmbeddings();
    int[][] shapes = {{1, 1}, {2, 3}, {7, 1}, {15, 5}, {max / 2, 8}, {max - 1, 1}, {max - 3, 4}, {max, 2},
        {max + 1, 3}, {max + 20, 6}, {3, max}, {1, max - 1}};
    Random r = new Random(seed);
    List<LoglikelihoodRequest> out = new ArrayList<>();
    for (int[] s : shapes) {
      out.add(new LoglikelihoodRequest(tokens(r, s[0], c.vocabSize()), tokens(r, s[1], c.vocabSize())));
    }
    return out;
  }

  /**
   * Multiple-choice questions: for each context length, 2–5 continuations of 1–6 tokens (two of
   * them one token long, and one repeated) after one shared context.
   */
  static List<LoglikelihoodRequest> choiceRequests(ModelConfig c, long seed, int... contextLengths) {
    Random r = new Random(seed);
    List<LoglikelihoodRequest> out = new ArrayList<>();
    for (int length : contextLengths) {
      int[] context = tokens(r, length, c.vocabSize());
      int choices = 2 + r.nextInt(4);
      for (int k = 0; k < choices; k++) {
        out.add(new LoglikelihoodRequest(context, tokens(r, k < 2 ? 1 : 1 + r.nextInt(6), c.vocabSize())));
      }
      out.add(out.getLast());
    }
    return out;
  }

  /**
   * {@link #edgeRequests}, {@code shortOnes} short requests (contexts 1–20, continuations 1–6) and
   * multiple-choice questions ({@link #choiceRequests}) with contexts from 1 token to beyond the
   * model's context, shuffled.
   */
  static List<LoglikelihoodRequest> mixedRequests(ModelConfig c, long seed, int shortOnes) {
    Random r = new Random(seed);
    List<LoglikelihoodRequest> out = new ArrayList<>(edgeRequests(c, seed + 1));
    for (int i = 0; i < shortOnes; i++) {
      out.add(new LoglikelihoodRequest(tokens(r, 1 + r.nextInt(20), c.vocabSize()),
          tokens(r, 1 + r.nextInt(6), c.vocabSize())));
    }
    int max = c.maxPositionEmbeddings();
    out.addAll(choiceRequests(c, seed + 2, 1, 2, 9, 17, max / 2, max - 3, max, max + 12));
    Collections.shuffle(out, r);
    return out;
  }

  static int[] tokens(Random r, int n, int vocab) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextInt(vocab);
    }
    return t;
  }

  /** The checkpoint's weights by name, as float32 arrays. */
  static Function<String, float[]> weights(Checkpoint ckpt) {
    Map<String, float[]> w = new HashMap<>();
    ckpt.config().expectedTensors().keySet().forEach(n -> w.put(n, ckpt.tensor(n).toFloatArray()));
    return w::get;
  }

  /** The reference logits (float64) of one plain row. */
  static double[] referenceLogits(ModelConfig c, Function<String, float[]> w, int[] ids) {
    int n = ids.length;
    int[] targets = new int[n];
    Arrays.fill(targets, Batch.IGNORE);
    return ReferenceDecoder.logits(c, w, new Batch(1, n, ids, targets, new float[n], new int[n]));
  }

  /** The answer of lm-eval's HFLM rule on the float64 reference decoder. */
  static Expected expected(ModelConfig c, Function<String, float[]> w, LoglikelihoodRequest r) {
    int[] ctx = r.context();
    int[] cont = r.continuation();
    int max = c.maxPositionEmbeddings();
    int[] whole = new int[ctx.length + cont.length];
    System.arraycopy(ctx, 0, whole, 0, ctx.length);
    System.arraycopy(cont, 0, whole, ctx.length, cont.length);
    // (context + continuation)[-(max_length + 1):][:-1]
    int[] input = Arrays.copyOfRange(whole, Math.max(0, whole.length - (max + 1)), whole.length - 1);
    double[] logits = referenceLogits(c, w, input);
    int v = c.vocabSize();
    double logprob = 0;
    boolean greedy = true;
    double margin = Double.POSITIVE_INFINITY;
    for (int k = 0; k < cont.length; k++) {
      int o = (input.length - cont.length + k) * v;
      logprob += logits[o + cont[k]] - logSumExp(logits, o, v);
      int best = 0;
      for (int i = 1; i < v; i++) {
        best = logits[o + i] > logits[o + best] ? i : best;
      }
      double second = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < v; i++) {
        second = i != best ? Math.max(second, logits[o + i]) : second;
      }
      greedy &= best == cont[k];
      margin = Math.min(margin, logits[o + best] - second);
    }
    return new Expected(logprob, greedy, margin);
  }

  static double logSumExp(double[] x, int from, int n) {
    double m = Double.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      m = Math.max(m, x[i]);
    }
    double s = 0;
    for (int i = from; i < from + n; i++) {
      s += Math.exp(x[i] - m);
    }
    return m + Math.log(s);
  }

  /**
   * The context followed by {@code n} tokens decoded greedily by the reference, each from the window
   * the harness will score it in (the last {@code max + 1} tokens of the finished request, so one
   * fixed start): a greedy request.
   */
  static LoglikelihoodRequest greedyRequest(ModelConfig c, Function<String, float[]> w, int[] context, int n) {
    int[] seq = context.clone();
    int[] cont = new int[n];
    int start = Math.max(0, context.length + n - (c.maxPositionEmbeddings() + 1));
    for (int k = 0; k < n; k++) {
      int[] window = Arrays.copyOfRange(seq, start, seq.length);
      double[] logits = referenceLogits(c, w, window);
      int v = c.vocabSize();
      int o = (window.length - 1) * v;
      int best = 0;
      for (int i = 1; i < v; i++) {
        best = logits[o + i] > logits[o + best] ? i : best;
      }
      cont[k] = best;
      seq = Arrays.copyOf(seq, seq.length + 1);
      seq[seq.length - 1] = best;
    }
    return new LoglikelihoodRequest(context, cont);
  }

  /** Asserts that two answer lists agree: logprobs within {@code tolerance}, same greedy flags and token counts. */
  static void assertSame(List<Loglikelihood> actual, List<Loglikelihood> expected, double tolerance, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).logprob()).as("%s: request %d logprob", what, i)
          .isCloseTo(expected.get(i).logprob(), Offset.offset(tolerance));
      assertThat(actual.get(i).greedy()).as("%s: request %d greedy", what, i).isEqualTo(expected.get(i).greedy());
      assertThat(actual.get(i).tokens()).as("%s: request %d tokens", what, i).isEqualTo(expected.get(i).tokens());
    }
  }
}
