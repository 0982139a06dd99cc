package io.cpt4j.backend;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A term added to the training loss that holds the model near the base it started from, against
 * forgetting. Three kinds:
 *
 * <ul>
 *   <li>{@link Kind#KL}: self-distillation to the frozen base (Jin et al. 2022, "Learn continually,
 *       generalize rapidly"; the usual KD loss of Hinton et al.): at every regularized position,
 *       {@code τ² · KL(p_base ‖ p_model)} with both next-token distributions softened by the
 *       temperature {@code τ}, {@code p = softmax(logits / τ)}.
 *   <li>{@link Kind#LOGIT_SWAP}: Mix-CPT's logit-swap self-distillation (Jiang et al. 2024): the
 *       same KL, but the teacher is the base's logits with the target token's logit and the base's
 *       largest logit swapped, so the teacher's top token is the data's token while the rest of its
 *       distribution keeps the base's shape (nothing changes where the base already predicts the
 *       target).
 *   <li>{@link Kind#L2}: {@code ½ · Σ ‖θ − θ_base‖²} over the trainable parameters, once per step
 *       (a pull to the initial weights, as in L2-SP; not per token, so it takes no sources).
 * </ul>
 *
 * <p>How it enters the loss: the step minimises {@code Σ w·nll / Σ w + weight · term}, where the
 * KL-type terms are {@code Σ w·τ²·KL / Σ w} summed over the regularized positions (those with a
 * target, in rows of the chosen sources) and divided by the total weight of all positions, as the
 * NLL is; so each regularized token adds {@code weight·τ²·KL} to its own loss. The base is a frozen
 * copy of the run's base model, held in the session beside the trained weights ({@link
 * MemoryPlan#referenceWeights()}). {@link StepResult#terms()} reports each term's value per step
 * (unweighted: the mean KL per regularized position, or the squared distance), and the trainer logs
 * them in {@code metrics.jsonl}; the step's loss stays the NLL, so runs with and without
 * regularization compare directly.
 *
 * <p>Immutable and thread-safe; {@link #temperature(double)} and {@link #onSources} return copies.
 *
 * @param kind which term
 * @param weight its coefficient in the loss (> 0)
 * @param temperature softening of both distributions for KL and LOGIT_SWAP (default 1; must be 1
 *     for L2)
 * @param sources the mixture sources whose rows are regularized; empty (default) for every row
 */
public record Regularizer(Kind kind, double weight, double temperature, Set<String> sources) {
  private static final String TRAIN_SIDE = "/train";

  /** The kinds of term. */
  public enum Kind {
    KL, LOGIT_SWAP, L2;

    /** The name in run files and metrics: {@code kl}, {@code logit_swap}, {@code l2}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named {@code key} (case-insensitive; {@code logit-swap} accepted). */
    public static Kind of(String key) {
      String k = key.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (Kind kind : values()) {
        if (kind.name().equals(k)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("unknown regularizer type '" + key + "': use kl, logit_swap or l2");
    }
  }

  public Regularizer {
    Objects.requireNonNull(kind, "kind");
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException(kind.key() + " regularizer weight must be finite and > 0, got " + weight);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(kind.key() + " regularizer temperature must be finite and > 0, got "
          + temperature);
    }
    sources = Set.copyOf(new TreeSet<>(Objects.requireNonNull(sources, "sources")));
    if (kind == Kind.L2 && (temperature != 1 || !sources.isEmpty())) {
      throw new IllegalArgumentException("the l2 regularizer acts on the weights once per step: it takes no "
          + "temperature and no sources");
    }
  }

  /** {@code weight · τ²·KL(base ‖ model)} on every row, temperature 1. */
  public static Regularizer kl(double weight) {
    return new Regularizer(Kind.KL, weight, 1, Set.of());
  }

  /** Logit-swap self-distillation with {@code weight} on every row, temperature 1. */
  public static Regularizer logitSwap(double weight) {
    return new Regularizer(Kind.LOGIT_SWAP, weight, 1, Set.of());
  }

  /** {@code weight · ½‖θ − θ_base‖²}. */
  public static Regularizer l2(double weight) {
    return new Regularizer(Kind.L2, weight, 1, Set.of());
  }

  /** A copy with temperature {@code t}. */
  public Regularizer temperature(double t) {
    return new Regularizer(kind, weight, t, sources);
  }

  /** A copy that regularizes only rows drawn from {@code names}. */
  public Regularizer onSources(String... names) {
    return new Regularizer(kind, weight, temperature, Set.of(names));
  }

  /** Whether this term needs the base's logits (KL and LOGIT_SWAP). */
  public boolean distills() {
    return kind != Kind.L2;
  }

  /**
   * Whether it applies to a row drawn from {@code source}; the train side of a split source ({@code
   * NAME/train}) answers to {@code NAME} too.
   */
  public boolean appliesTo(String source) {
    return sources.isEmpty() || sources.contains(source)
        || source.endsWith(TRAIN_SIDE) && sources.contains(source.substring(0, source.length() - TRAIN_SIDE.length()));
  }

  /** E.g. {@code kl (weight 0.5, temperature 2, sources [general])}. */
  public String describe() {
    return kind.key() + " (weight " + weight + (distills() ? ", temperature " + temperature : "")
        + (sources.isEmpty() ? "" : ", sources " + sources.stream().sorted().toList()) + ")";
  }
}
