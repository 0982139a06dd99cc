package io.cpt4j.merge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a merge wrote. Immutable.
 *
 * @param directory the output checkpoint directory
 * @param files the files written
 * @param mergedTensors tensors computed by the method
 * @param copiedTensors tensors copied unchanged from the base (excluded by a filter, or not
 *     floating point)
 * @param inputBytes bytes of tensor data read from the inputs for merged tensors
 * @param elapsed wall time of the whole merge
 */
public record MergeReport(
    Path directory, List<Path> files, int mergedTensors, int copiedTensors, long inputBytes, Duration elapsed) {

  public MergeReport {
    files = List.copyOf(files);
  }
}
