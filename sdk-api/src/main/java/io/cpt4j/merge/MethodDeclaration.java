package io.cpt4j.merge;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The declaration of a merge method, mergekit's registered-method pattern: its name, what it does,
 * its reference, its parameters with types and defaults ({@link MergeParameter}), how many models it
 * merges, and how its record is made from parameter values. Every method is declared once, here,
 * and the rest follows from the declaration: the method record's defaults ({@code new
 * MergeMethod.Ties()}), the YAML codec of {@link MergeConfig#load} (keys, types, defaults, required
 * parameters), the kernel configuration of the generalized task-arithmetic methods ({@link
 * #sparsification}, {@link #consensus}) and {@code cpt4j merge --help}.
 *
 * <pre>{@code
 * MethodDeclaration ties = MergeMethod.declaration("ties").orElseThrow();
 * MergeMethod m = ties.create(ties.defaults());           // new MergeMethod.Ties(1, true)
 * }</pre>
 *
 * <p>The declarations are listed by {@link MergeMethod#declarations}; users do not make their own.
 * Immutable and thread-safe.
 */
public final class MethodDeclaration {

  /** How many models besides the base a method merges. */
  public enum Models {
    /** One or more. */
    AT_LEAST_ONE(1, Integer.MAX_VALUE),
    /** Exactly one (slerp, chat_vector). */
    EXACTLY_ONE(1, 1),
    /** Exactly two (nuslerp). */
    EXACTLY_TWO(2, 2),
    /** Two or more (model_stock). */
    AT_LEAST_TWO(2, Integer.MAX_VALUE);

    private final int min;
    private final int max;

    Models(int min, int max) {
      this.min = min;
      this.max = max;
    }

    /** The fewest models. */
    public int min() {
      return min;
    }

    /** The most models ({@code Integer.MAX_VALUE}: no limit). */
    public int max() {
      return max;
    }

    /** Whether {@code count} models are allowed. */
    public boolean allows(int count) {
      return count >= min && count <= max;
    }
  }

  /** What the base model ({@code base_model}) is to a method. */
  public enum BaseRole {
    /** Required: the reference the task vectors are taken against (ties, slerp, ...). */
    REFERENCE,
    /**
     * Optional: with a base that is not itself one of the merged models, the method merges the task
     * vectors against it; without (the base is one of the models, as when a config has no {@code
     * base_model}), the models' values (nuslerp, multislerp). A config entry equal to {@code
     * base_model} is skipped.
     */
    OPTIONAL_REFERENCE,
    /**
     * Optional: merged like any model. A config's {@code base_model} that is not listed among the
     * models is added to them, as mergekit does (karcher).
     */
    INPUT,
    /** Optional: it only supplies config, tokenizer and unmerged tensors (linear, passthrough). */
    FILES
  }

  /**
   * The values of a method's {@link MergeParameter.Scope#GLOBAL global} and {@link
   * MergeParameter.Scope#UNIFORM uniform} parameters, by name, as {@link #create} reads them; each
   * accessor returns the declared default when the parameter was not given.
   */
  public interface Arguments {
    /** A {@link MergeParameter.Type#NUMBER} parameter. */
    double number(String name);

    /** A {@link MergeParameter.Type#BOOLEAN} parameter. */
    boolean bool(String name);

    /** An {@link MergeParameter.Type#INTEGER} parameter. */
    long integer(String name);

    /** A {@link MergeParameter.Type#VALUE} parameter. */
    ParamValue value(String name);
  }

  private final String name;
  private final String summary;
  private final String reference;
  private final List<MergeParameter> parameters;
  private final Models models;
  private final BaseRole baseRole;
  private final boolean needsTarget;
  private final MergeMethod.Sparsification sparsification;
  private final boolean consensus;
  private final Function<Arguments, MergeMethod> factory;

  MethodDeclaration(String name, String summary, String reference, List<MergeParameter> parameters, Models models,
      BaseRole baseRole, boolean needsTarget, MergeMethod.Sparsification sparsification, boolean consensus,
      Function<Arguments, MergeMethod> factory) {
    this.name = Objects.requireNonNull(name, "name");
    this.summary = Objects.requireNonNull(summary, "summary");
    this.reference = Objects.requireNonNull(reference, "reference");
    this.parameters = List.copyOf(parameters);
    this.models = Objects.requireNonNull(models, "models");
    this.baseRole = Objects.requireNonNull(baseRole, "baseRole");
    this.needsTarget = needsTarget;
    this.sparsification = Objects.requireNonNull(sparsification, "sparsification");
    this.consensus = consensus;
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  /** The mergekit name, e.g. {@code "ties"}. */
  public String name() {
    return name;
  }

  /** What the method computes, in one line. */
  public String summary() {
    return summary;
  }

  /** The paper (or software) the method comes from. */
  public String reference() {
    return reference;
  }

  /** Its parameters: the global ones first, then the per-model ones, each group in config order. */
  public List<MergeParameter> parameters() {
    return parameters;
  }

  /** The parameter called {@code name}, if the method takes it. */
  public Optional<MergeParameter> parameter(String name) {
    return parameters.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** How many models besides the base it merges. */
  public Models models() {
    return models;
  }

  /** Whether it needs a base model: its {@link #baseRole} is {@link BaseRole#REFERENCE}. */
  public boolean needsBase() {
    return baseRole == BaseRole.REFERENCE;
  }

  /** What the base model is to it. */
  public BaseRole baseRole() {
    return baseRole;
  }

  /** Whether it needs a separate target the result is added to ({@link Merge.Builder#onto}; chat_vector). */
  public boolean needsTarget() {
    return needsTarget;
  }

  /** How the generalized task-arithmetic rule sparsifies task vectors ({@code NONE} for the other methods). */
  public MergeMethod.Sparsification sparsification() {
    return sparsification;
  }

  /** Whether the generalized task-arithmetic rule keeps only entries agreeing with the elected sign (TIES). */
  public boolean consensus() {
    return consensus;
  }

  /**
   * The method configured with {@code arguments}.
   *
   * @throws MergeException if a value is out of range (e.g. {@code gamma ≥ 1})
   */
  public MergeMethod create(Arguments arguments) {
    return factory.apply(arguments);
  }

  /**
   * The declared defaults as arguments.
   *
   * @throws MergeException when a required parameter is asked for
   */
  public Arguments defaults() {
    return new Arguments() {
      @Override
      public double number(String name) {
        return Double.parseDouble(defaultOf(name));
      }

      @Override
      public boolean bool(String name) {
        return Boolean.parseBoolean(defaultOf(name));
      }

      @Override
      public long integer(String name) {
        return Long.parseLong(defaultOf(name));
      }

      @Override
      public ParamValue value(String name) {
        return ParamValue.of(Double.parseDouble(defaultOf(name)));
      }
    };
  }

  private String defaultOf(String parameter) {
    MergeParameter p = parameter(parameter).orElseThrow(() -> new IllegalArgumentException(
        name + " has no parameter " + parameter));
    return p.defaultValue().orElseThrow(() -> new MergeException(name + "'s parameter " + parameter
        + " has no default: give it"));
  }

  @Override
  public String toString() {
    return name;
  }
}
