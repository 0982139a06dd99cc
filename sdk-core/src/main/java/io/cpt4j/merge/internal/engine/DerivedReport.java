package io.cpt4j.merge.internal.engine;

import io.cpt4j.merge.MergeReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link DerivedCheckpoint} wrote; the public reports ({@link MergeReport}, {@link
 * io.cpt4j.merge.GraftReport}) are made from it. Immutable.
 *
 * @param directory the output checkpoint directory
 * @param files the files written
 * @param derived tensors computed by a {@link Derivation}
 * @param copied tensors copied unchanged from an input
 * @param inputBytes bytes of tensor data the derivations read from their inputs (as declared)
 * @param elapsed wall time from {@link DerivedCheckpoint#start} to the end of writing
 */
public record DerivedReport(Path directory, List<Path> files, int derived, int copied, long inputBytes,
    Duration elapsed) {

  public DerivedReport {
    files = List.copyOf(files);
  }

  /** As the report of a merge or of a task vector's application. */
  public MergeReport toMergeReport() {
    return new MergeReport(directory, files, derived, copied, inputBytes, elapsed);
  }
}
