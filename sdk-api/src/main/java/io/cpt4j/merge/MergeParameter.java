package io.cpt4j.merge;

import java.util.Objects;
import java.util.Optional;

/**
 * One parameter a merge method declares (mergekit's {@code ConfigParameterDef}): its key in merge
 * configs, the values it takes, where it is given, its default and what it does. Every method
 * declares its parameters once, in its {@link MethodDeclaration}; the YAML codec ({@link
 * MergeConfig#load}: which keys a method takes, their types, defaults and required ones) and the
 * {@code cpt4j merge --help} text are made from these declarations.
 *
 * <pre>{@code
 * for (MergeParameter p : new MergeMethod.Ties().parameters()) {
 *   System.out.println(p.name() + " = " + p.defaultValue().orElse("(required)") + ": " + p.doc());
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the key in merge configs, e.g. {@code "lambda"}
 * @param type the values it takes
 * @param scope where a config gives it
 * @param defaultValue its value when a config leaves it out, as written in YAML ({@code "1"}, {@code
 *     "true"}, {@code "0.01"}); empty for a required parameter and for an {@link Type#IGNORED} one
 * @param fixed whether the default is the only value accepted (mergekit's {@code rescale}, which each
 *     cpt4j method fixes; {@link #doc} says why)
 * @param doc what it does, one sentence without a final period
 */
public record MergeParameter(
    String name, Type type, Scope scope, Optional<String> defaultValue, boolean fixed, String doc) {

  public MergeParameter {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(doc, "doc");
    if (fixed && defaultValue.isEmpty()) {
      throw new IllegalArgumentException("fixed parameter " + name + " needs its value as the default");
    }
    if (type == Type.IGNORED && defaultValue.isPresent()) {
      throw new IllegalArgumentException("ignored parameter " + name + " has no default");
    }
  }

  /** What values a parameter takes. */
  public enum Type {
    /** A single finite number. */
    NUMBER("a number"),
    /** A whole number. */
    INTEGER("an integer"),
    /** {@code true} or {@code false}. */
    BOOLEAN("true or false"),
    /**
     * A {@link ParamValue}: a number, a list of numbers (a gradient across layers) or a list of
     * {@code {filter, value}} entries.
     */
    VALUE("a number, a gradient list or {filter, value} entries"),
    /** A {@link #VALUE} whose every number is a density, in (0, 1]. */
    DENSITY("a density in (0, 1], as a number, a gradient list or {filter, value} entries"),
    /** Accepted with any value and without effect (an option of mergekit's torch implementation). */
    IGNORED("accepted, no effect");

    private final String description;

    Type(String description) {
      this.description = description;
    }

    /** The values in words, e.g. "true or false". */
    public String description() {
      return description;
    }
  }

  /** Where a merge config gives a parameter. */
  public enum Scope {
    /** Once for the merge, under the top-level {@code parameters}. */
    GLOBAL,
    /**
     * Per model, under {@code models[].parameters}; a value under the top-level {@code parameters}
     * is the default for every model.
     */
    PER_MODEL,
    /**
     * Where {@link #PER_MODEL} parameters go (mergekit reads it per model), but the method takes one
     * value: every model that gives it, and the top level, must agree.
     */
    UNIFORM
  }

  /** A parameter with a default. */
  public static MergeParameter of(String name, Type type, Scope scope, String defaultValue, String doc) {
    return new MergeParameter(name, type, scope, Optional.of(defaultValue), false, doc);
  }

  /** A parameter every config must give. */
  public static MergeParameter required(String name, Type type, Scope scope, String doc) {
    return new MergeParameter(name, type, scope, Optional.empty(), false, doc);
  }

  /** A global boolean parameter that accepts only {@code value}, for the reason {@code why}. */
  public static MergeParameter fixed(String name, boolean value, String why) {
    return new MergeParameter(name, Type.BOOLEAN, Scope.GLOBAL, Optional.of(Boolean.toString(value)), true, why);
  }

  /** A global parameter accepted with any value and ignored. */
  public static MergeParameter ignored(String name, String doc) {
    return new MergeParameter(name, Type.IGNORED, Scope.GLOBAL, Optional.empty(), false, doc);
  }

  /** Whether a config must give it (no default, not ignored). */
  public boolean required() {
    return defaultValue.isEmpty() && type != Type.IGNORED;
  }

  /** Whether it is given per model ({@link Scope#PER_MODEL} or {@link Scope#UNIFORM}). */
  public boolean perModel() {
    return scope != Scope.GLOBAL;
  }
}
