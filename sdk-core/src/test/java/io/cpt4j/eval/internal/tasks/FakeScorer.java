package io.cpt4j.eval.internal.tasks;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.util.ArrayList;
import java.util.List;

/**
 * A scorer without a model: each continuation token {@code t} costs {@code 1 + t % 4} nats,
 * whatever its context, and is the greedy token when {@code t % 4 == 0}. With {@link
 * ByteTokenizer}, " " (32) costs 1, "a" (97) 2, "b" 3, "c" 4, "d" (100) 1, ... Records every call.
 */
final class FakeScorer implements Scorer {
  final List<List<LoglikelihoodRequest>> calls = new ArrayList<>();
  private final int maxLength;

  FakeScorer(int maxLength) {
    this.maxLength = maxLength;
  }

  /** The cost of one token, in nats. */
  static double cost(int token) {
    return 1 + token % 4;
  }

  /** Every request received, in order. */
  List<LoglikelihoodRequest> requests() {
    return calls.stream().flatMap(List::stream).toList();
  }

  /** A Llama configuration with {@link ByteTokenizer}'s vocabulary and end-of-text token, {@code maxLength} long. */
  @Override
  public ModelConfig config() {
    return ModelConfig.builder(io.cpt4j.checkpoint.Architecture.LLAMA).vocabSize(258).maxPositionEmbeddings(maxLength)
        .eosTokenIds(List.of(ByteTokenizer.EOT)).build();
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  @Override
  public List<Loglikelihood> score(List<LoglikelihoodRequest> requests) {
    calls.add(List.copyOf(requests));
    List<Loglikelihood> out = new ArrayList<>();
    for (LoglikelihoodRequest r : requests) {
      double ll = 0;
      boolean greedy = true;
      for (int t : r.continuation()) {
        ll -= cost(t);
        greedy &= t % 4 == 0;
      }
      out.add(new Loglikelihood(ll, greedy, r.continuation().length));
    }
    return out;
  }

  /** Every generation request received, in order. */
  final List<GenerationRequest> generations = new ArrayList<>();
  /** What {@link #generate} answers each request: these tokens, cut where the request finishes. */
  java.util.function.Function<GenerationRequest, int[]> answer = r -> new int[0];

  @Override
  public List<int[]> generate(List<GenerationRequest> requests) {
    generations.addAll(requests);
    List<int[]> out = new ArrayList<>();
    for (GenerationRequest r : requests) {
      int[] all = answer.apply(r);
      int n = Math.min(1, all.length); // one token at a time until the request finishes or the answer ends
      while (n < all.length && !r.finished(java.util.Arrays.copyOf(all, n))) {
        n++;
      }
      out.add(java.util.Arrays.copyOf(all, n));
    }
    return out;
  }

  @Override
  public void close() {}
}
