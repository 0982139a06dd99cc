package io.cpt4j.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Which parameters a training session updates. Each pattern is a Java regular expression matched
 * against the whole Hugging Face tensor name ({@code model.layers.3.mlp.down_proj.weight}); a tensor
 * is trainable if any pattern matches it. The others are frozen: they take part in every forward
 * pass but get no gradient, no optimizer state and no update, so they stay bit-identical, and the
 * session's optimizer-state files hold moments only for the trainable tensors.
 *
 * <pre>{@code
 * Trainable.all()                                       // the default: every parameter
 * Trainable.matching("model\\.layers\\.(4|9)\\..*")     // the new blocks of a depth growth
 * Trainable.layers(4, 9)                                 // the same, by layer index, any family
 * Trainable.matching(".*\\.mlp\\..*")                    // only the MLPs
 * Trainable.matching(Trainable.EMBEDDINGS, Trainable.HEAD) // embeddings and LM head only
 * }</pre>
 *
 * <p>A session refuses a pattern that matches no tensor of its model (a typo would otherwise freeze
 * what was meant to train) and a selection that leaves nothing trainable. Immutable and
 * thread-safe.
 *
 * @param patterns the regular expressions; empty means every parameter
 */
public record Trainable(List<String> patterns) {
  /** The input embeddings of every family cpt4j reads. */
  public static final String EMBEDDINGS = "(model\\.embed_tokens|gpt_neox\\.embed_in)\\.weight";
  /** The LM head of an untied model (tied models share it with {@link #EMBEDDINGS}). */
  public static final String HEAD = "(lm_head|embed_out)\\.weight";

  public Trainable {
    patterns = List.copyOf(Objects.requireNonNull(patterns, "patterns"));
    for (String p : patterns) {
      if (p.isBlank()) {
        throw new IllegalArgumentException("a trainable pattern must not be blank");
      }
      try {
        Pattern.compile(p);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("trainable pattern '" + p + "' is not a valid regular expression: "
            + e.getDescription(), e);
      }
    }
  }

  /** Every parameter trains (the default). */
  public static Trainable all() {
    return new Trainable(List.of());
  }

  /** The tensors whose names match any of {@code regexes} (whole-name matches). */
  public static Trainable matching(String... regexes) {
    if (regexes.length == 0) {
      throw new IllegalArgumentException("name at least one pattern (Trainable.all() trains everything)");
    }
    return new Trainable(Arrays.asList(regexes));
  }

  /** The tensors of decoder layers {@code indices} (any family: {@code ….layers.N.…}). */
  public static Trainable layers(int... indices) {
    if (indices.length == 0) {
      throw new IllegalArgumentException("name at least one layer");
    }
    for (int i : indices) {
      if (i < 0) {
        throw new IllegalArgumentException("layer indices must be >= 0, got " + i);
      }
    }
    return matching(layerPattern(Arrays.stream(indices).boxed().toList()));
  }

  /** The regular expression of the tensors of the given layers, e.g. {@code .*\.layers\.(4|9)\..*}. */
  public static String layerPattern(Collection<Integer> indices) {
    return ".*\\.layers\\.(" + indices.stream().distinct().sorted().map(String::valueOf)
        .collect(Collectors.joining("|")) + ")\\..*";
  }

  /** Whether every parameter trains. */
  public boolean isAll() {
    return patterns.isEmpty();
  }

  /** Whether {@code tensorName} is trainable. */
  public boolean test(String tensorName) {
    if (patterns.isEmpty()) {
      return true;
    }
    for (String p : patterns) {
      if (tensorName.matches(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The trainable names among {@code names}, in their order.
   *
   * @throws IllegalArgumentException if a pattern matches none of them, or none is trainable
   */
  public List<String> select(Collection<String> names) {
    List<String> chosen = new ArrayList<>();
    for (String n : names) {
      if (test(n)) {
        chosen.add(n);
      }
    }
    for (String p : patterns) {
      if (names.stream().noneMatch(n -> n.matches(p))) {
        throw new IllegalArgumentException("trainable pattern '" + p + "' matches no parameter of the model (its "
            + "tensors are named like " + names.stream().filter(n -> n.contains(".layers.0.")).findFirst()
            .orElse(names.isEmpty() ? "?" : names.iterator().next()) + ")");
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("no parameter is trainable");
    }
    return chosen;
  }

  /** {@code all} or the patterns joined with {@code ", "}. */
  public String describe() {
    return patterns.isEmpty() ? "all" : String.join(", ", patterns);
  }
}
