package io.cpt4j.grow;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a growth wrote. Immutable and thread-safe.
 *
 * @param output the grown checkpoint
 * @param layersBefore decoder layers of the base
 * @param layersAfter decoder layers of the grown model
 * @param newLayers the indices of the inserted layers in the grown model, ascending
 * @param trainablePattern a regular expression matching the tensors of the new layers, ready for a
 *     run's trainable parameters (e.g. {@code model\.layers\.(4|9)\..*})
 */
public record GrowthReport(Path output, int layersBefore, int layersAfter, List<Integer> newLayers,
    String trainablePattern) {
  public GrowthReport {
    Objects.requireNonNull(output, "output");
    newLayers = List.copyOf(newLayers);
    Objects.requireNonNull(trainablePattern, "trainablePattern");
  }

  /** One line, e.g. {@code 8 -> 10 layers (new: 4, 9) -> /out}. */
  public String describe() {
    return layersBefore + " -> " + layersAfter + " layers (new: " + String.join(", ", newLayers.stream()
        .map(String::valueOf).toList()) + ") -> " + output + "; train only them with: " + trainablePattern;
  }
}
