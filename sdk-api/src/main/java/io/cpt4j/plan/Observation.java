package io.cpt4j.plan;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One continual pre-training run as a mixture-law fit sees it: the share of domain data in its
 * mixture, the tokens it trained on, the model's size, and the validation loss it reached on each
 * named validation set. One line of an observations file:
 *
 * <pre>{@code {"ratio": 0.3, "tokens": 2000000, "parameters": 124000000, "losses": {"general": 3.41, "domain": 2.87}}}</pre>
 *
 * ({@code parameters} optional). Immutable and thread-safe.
 *
 * @param ratio the domain share r of the training mixture, in [0, 1]
 * @param tokens training tokens D, at least 1
 * @param parameters model parameters N, or 0 when not known (a fit then keeps N fixed)
 * @param losses validation loss (nats per token) by set name, at least one, all finite and positive
 * @param source where it comes from ({@code obs.jsonl:3}, a run directory), for messages
 */
public record Observation(double ratio, long tokens, long parameters, Map<String, Double> losses, String source) {
  public Observation {
    Objects.requireNonNull(source, "source");
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException(source + ": ratio must be in [0, 1], got " + ratio);
    }
    if (tokens < 1) {
      throw new IllegalArgumentException(source + ": tokens must be at least 1, got " + tokens);
    }
    if (parameters < 0) {
      throw new IllegalArgumentException(source + ": parameters must be positive (or 0 for unknown), got "
          + parameters);
    }
    Objects.requireNonNull(losses, "losses");
    if (losses.isEmpty()) {
      throw new IllegalArgumentException(source + ": losses must name at least one validation set");
    }
    losses.forEach((k, v) -> {
      if (v == null || !(v > 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException(source + ": the loss of '" + k + "' must be finite and positive, got " + v);
      }
    });
    losses = Collections.unmodifiableMap(new TreeMap<>(losses));
  }

  /**
   * The observations of a JSON Lines file (blank lines skipped).
   *
   * @throws PlanException naming the file and line of the first bad one
   */
  public static List<Observation> read(Path jsonl) {
    return Providers.plan().readObservations(Objects.requireNonNull(jsonl, "jsonl"));
  }
}
