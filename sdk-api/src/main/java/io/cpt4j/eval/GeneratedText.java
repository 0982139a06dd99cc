package io.cpt4j.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one {@code generate_until} document produced, as the harness logs it ({@code resps},
 * {@code filtered_resps}, {@code target}). Immutable and thread-safe.
 *
 * @param text the answer: the generated tokens decoded without special tokens and cut before the
 *     first occurrence of each stop string ({@code until}, then the end-of-sequence text)
 * @param tokens tokens generated (a final stop token included)
 * @param filtered the answer after each filter pipeline, by pipeline name ({@code "none"} when the
 *     task has no {@code filter_list}), in the task's order (copied, unmodifiable)
 * @param target the reference answer ({@code doc_to_target}, or the choice it names)
 */
public record GeneratedText(String text, int tokens, Map<String, String> filtered, String target) {
  public GeneratedText {
    Objects.requireNonNull(text, "text");
    filtered = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(filtered, "filtered")));
    Objects.requireNonNull(target, "target");
  }
}
