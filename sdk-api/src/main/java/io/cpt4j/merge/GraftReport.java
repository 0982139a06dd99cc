package io.cpt4j.merge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link Graft} wrote. Immutable.
 *
 * @param directory the output checkpoint directory
 * @param files the files written
 * @param parameters entries of the considered tensors (floating point, passing the filters)
 * @param grafted entries that took the tuned value
 * @param tensors per considered tensor, in the base's order
 * @param elapsed wall time of the whole graft
 */
public record GraftReport(
    Path directory, List<Path> files, long parameters, long grafted, List<TensorGraft> tensors, Duration elapsed) {

  public GraftReport {
    files = List.copyOf(files);
    tensors = List.copyOf(tensors);
  }

  /** {@code grafted / parameters} (0 when nothing was considered). */
  public double fraction() {
    return parameters == 0 ? 0 : (double) grafted / parameters;
  }

  /**
   * One tensor's share of the graft.
   *
   * @param name the tensor
   * @param elements its element count
   * @param grafted entries that took the tuned value
   * @param threshold the magnitude {@code |tuned − base|} a top-k mask selected at: the k-th largest
   *     of this tensor ({@link Graft.TopPerTensor}) or of the model ({@link Graft.TopGlobal}); NaN
   *     when {@code k = 0} or the mask came from a file
   */
  public record TensorGraft(String name, long elements, long grafted, double threshold) {
    /** {@code grafted / elements} (0 for an empty tensor). */
    public double fraction() {
      return elements == 0 ? 0 : (double) grafted / elements;
    }
  }
}
