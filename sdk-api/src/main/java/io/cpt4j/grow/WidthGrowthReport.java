package io.cpt4j.grow;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link WidthGrowth} wrote. Immutable and thread-safe.
 *
 * @param output the grown checkpoint
 * @param sizeBefore the base's MLP intermediate size
 * @param sizeAfter the grown model's
 * @param copiedFrom for each new neuron {@code sizeBefore + i}, the base neuron it copies (entry
 *     {@code i}); the same in every layer
 * @param trainablePattern a regular expression matching the MLP tensors, which hold the new neurons
 *     (and the base's: training them changes those too), e.g. {@code model\.layers\.\d+\.mlp\..*}
 */
public record WidthGrowthReport(Path output, int sizeBefore, int sizeAfter, List<Integer> copiedFrom,
    String trainablePattern) {
  public WidthGrowthReport {
    Objects.requireNonNull(output, "output");
    copiedFrom = List.copyOf(copiedFrom);
    Objects.requireNonNull(trainablePattern, "trainablePattern");
    if (copiedFrom.size() != sizeAfter - sizeBefore) {
      throw new IllegalArgumentException("copiedFrom has " + copiedFrom.size() + " entries for "
          + (sizeAfter - sizeBefore) + " new neurons");
    }
  }

  /** How many distinct base neurons were split. */
  public int neuronsSplit() {
    return (int) copiedFrom.stream().distinct().count();
  }

  /** One line, e.g. {@code MLP intermediate 48 -> 80 (32 new neurons copying 27 of the base's) -> /out}. */
  public String describe() {
    return "MLP intermediate " + sizeBefore + " -> " + sizeAfter + " (" + copiedFrom.size()
        + " new neurons copying " + neuronsSplit() + " of the base's) -> " + output + "; the MLPs: " + trainablePattern;
  }
}
