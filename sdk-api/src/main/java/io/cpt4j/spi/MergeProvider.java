package io.cpt4j.spi;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Graft;
import io.cpt4j.merge.GraftReport;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeConfig;
import io.cpt4j.merge.MergeReport;
import io.cpt4j.merge.SimilarityReport;
import io.cpt4j.merge.TaskVector;
import io.cpt4j.merge.VectorSimilarity;
import java.nio.file.Path;
import java.util.List;

/**
 * Service-provider interface behind {@link Merge}, {@link TaskVector}, {@link Graft} and {@link
 * VectorSimilarity}. {@code sdk-core} registers the implementation in {@code META-INF/services};
 * users do not implement it.
 */
public interface MergeProvider {
  /** Runs {@code merge} and writes the result to {@code output}. */
  MergeReport merge(Merge merge, Path output);

  // ---- task vectors, grafting and vector analytics

  /** The vector's tensors (checking its operands agree); see {@link TaskVector#tensors}. */
  List<TensorInfo> taskVectorTensors(TaskVector vector);

  /** One lazily computed tensor of the vector; see {@link TaskVector#tensor}. */
  Tensor taskVectorTensor(TaskVector vector, String name);

  /** See {@link TaskVector#save(Path, DType)}. */
  void saveTaskVector(TaskVector vector, Path file, DType dtype);

  /** See {@link TaskVector#load}. */
  TaskVector.Stored loadTaskVector(Path file);

  /** See {@link TaskVector.Application#writeTo}. */
  MergeReport applyTaskVector(TaskVector.Application application, Path output);

  /** See {@link Graft#writeTo}. */
  GraftReport graft(Graft graft, Path output);

  /** See {@link VectorSimilarity#compute}. */
  SimilarityReport similarity(VectorSimilarity analysis);

  /** See {@link SimilarityReport#toJson}. */
  String similarityJson(SimilarityReport report);

  /** See {@link SimilarityReport#toTable}. */
  String similarityTable(SimilarityReport report);

  /** Reads a mergekit-style YAML merge configuration and opens its checkpoints ({@link MergeConfig#load}). */
  MergeConfig loadConfig(Path yaml);
}
