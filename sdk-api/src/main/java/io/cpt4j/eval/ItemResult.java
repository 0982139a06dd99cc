package io.cpt4j.eval;

import java.util.List;
import java.util.Objects;

/**
 * What one evaluated document scored, so results can be checked item by item (the harness's
 * {@code --log_samples}). Immutable and thread-safe.
 *
 * <p>Per type: <b>multiple choice</b> has one entry per choice in {@code loglikelihoods}, {@code
 * greedy} and {@code tokens}, and {@code pred} (argmax of the loglikelihoods), {@code predNorm}
 * (argmax of loglikelihood / characters of the choice, {@code acc_norm}'s prediction) and {@code
 * gold}. <b>Loglikelihood</b> has one entry (the target). <b>Rolling</b> has one entry (the sum over
 * the text's windows; greedy when every window was) and the text's {@code words} and UTF-8 {@code
 * bytes}. <b>Generation</b> ({@code generate_until}) has no loglikelihoods and its {@code generated}
 * answer. Ties go to the first choice, as numpy's argmax. Fields that do not apply are -1 (pred,
 * predNorm, gold) or 0 (words, bytes).
 *
 * @param doc the document's index in the evaluated split (0-based)
 * @param loglikelihoods summed log-probabilities in nats, one per request of the document
 * @param greedy whether each continuation was the model's greedy one
 * @param tokens the continuation tokens scored for each entry
 * @param pred the most likely choice, or -1
 * @param predNorm the most likely choice per character, or -1
 * @param gold the correct choice, or -1
 * @param words whitespace-separated words of a rolling text (the harness's {@code re.split(r"\s+")}), or 0
 * @param bytes UTF-8 bytes of a rolling text, or 0
 * @param generated a generation's answer, or null for the loglikelihood types
 */
public record ItemResult(int doc, List<Double> loglikelihoods, List<Boolean> greedy, List<Integer> tokens, int pred,
    int predNorm, int gold, long words, long bytes, GeneratedText generated) {
  public ItemResult {
    loglikelihoods = List.copyOf(Objects.requireNonNull(loglikelihoods, "loglikelihoods"));
    greedy = List.copyOf(Objects.requireNonNull(greedy, "greedy"));
    tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
    if ((loglikelihoods.isEmpty() && generated == null) || greedy.size() != loglikelihoods.size()
        || tokens.size() != loglikelihoods.size()) {
      throw new IllegalArgumentException("doc " + doc + ": loglikelihoods, greedy and tokens need one entry each per "
          + "request, got " + loglikelihoods.size() + ", " + greedy.size() + " and " + tokens.size());
    }
  }

  /** A loglikelihood document's result (no generation). */
  public ItemResult(int doc, List<Double> loglikelihoods, List<Boolean> greedy, List<Integer> tokens, int pred,
      int predNorm, int gold, long words, long bytes) {
    this(doc, loglikelihoods, greedy, tokens, pred, predNorm, gold, words, bytes, null);
  }

  /** A generation's result: its answer alone. */
  public static ItemResult ofGeneration(int doc, GeneratedText generated) {
    return new ItemResult(doc, List.of(), List.of(), List.of(), -1, -1, -1, 0, 0,
        Objects.requireNonNull(generated, "generated"));
  }

  /** The gold choice's loglikelihood for multiple choice, else the document's only one; NaN for a generation. */
  public double logprob() {
    return loglikelihoods.isEmpty() ? Double.NaN : loglikelihoods.get(gold >= 0 ? gold : 0);
  }

  /** Whether the most likely choice is the gold one (multiple choice's {@code acc}). */
  public boolean correct() {
    return gold >= 0 && pred == gold;
  }
}
