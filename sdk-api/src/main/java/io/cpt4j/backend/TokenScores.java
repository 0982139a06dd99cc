package io.cpt4j.backend;

import java.util.Objects;

/**
 * What one forward pass says about the targets of a {@link Batch}, position by position: the
 * negative log-likelihood of the target and the model's most likely next token there (the first
 * one on a tie, as {@code torch.argmax}). This is what loglikelihood scoring needs: the sum of a
 * continuation's NLLs and whether greedy decoding would have produced it. Both arrays are
 * row-major {@code rows × length}, like the batch's.
 *
 * <p>Only positions whose target is not {@link Batch#IGNORE} are scored; elsewhere the NLL is 0 and
 * the argmax {@link #NOT_SCORED}. Immutable in intent: the arrays are not copied, do not change
 * them.
 *
 * @param nll {@code -log p(target)} in nats (float32 log-softmax) at scored positions, else 0
 * @param argmax the id of the largest logit at scored positions, else {@link #NOT_SCORED}
 */
public record TokenScores(float[] nll, int[] argmax) {

  /** The argmax of a position that was not scored (its target is {@link Batch#IGNORE}). */
  public static final int NOT_SCORED = -1;

  public TokenScores {
    Objects.requireNonNull(nll, "nll");
    Objects.requireNonNull(argmax, "argmax");
    if (nll.length != argmax.length) {
      throw new IllegalArgumentException("nll has " + nll.length + " positions, argmax " + argmax.length);
    }
  }

  /**
   * The scores of {@code batch} computed from its full logits ({@code rows × length × vocab},
   * row-major, as {@link TrainingSession#logits} returns them): log-softmax in double, rounded to
   * float.
   */
  public static TokenScores fromLogits(Batch batch, float[] logits) {
    int n = batch.rows() * batch.length();
    if (logits.length % n != 0) {
      throw new IllegalArgumentException("logits has " + logits.length + " values, not a multiple of " + n
          + " positions");
    }
    int vocab = logits.length / n;
    float[] nll = new float[n];
    int[] argmax = new int[n];
    for (int i = 0; i < n; i++) {
      int target = batch.targets()[i];
      if (target == Batch.IGNORE) {
        argmax[i] = NOT_SCORED;
        continue;
      }
      int o = i * vocab;
      int best = 0;
      for (int v = 1; v < vocab; v++) {
        if (logits[o + v] > logits[o + best]) {
          best = v;
        }
      }
      double sum = 0;
      for (int v = 0; v < vocab; v++) {
        sum += Math.exp((double) logits[o + v] - logits[o + best]);
      }
      nll[i] = (float) (Math.log(sum) + logits[o + best] - logits[o + target]);
      argmax[i] = best;
    }
    return new TokenScores(nll, argmax);
  }
}
