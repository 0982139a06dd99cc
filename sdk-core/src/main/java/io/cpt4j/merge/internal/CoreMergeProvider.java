package io.cpt4j.merge.internal;

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
import io.cpt4j.merge.internal.analytics.SimilarityFormat;
import io.cpt4j.merge.internal.analytics.SimilarityRun;
import io.cpt4j.merge.internal.config.MergeConfigCodec;
import io.cpt4j.merge.internal.graft.GraftRun;
import io.cpt4j.merge.internal.methods.MergeRun;
import io.cpt4j.merge.internal.vectors.TaskVectorAlgebra;
import io.cpt4j.merge.internal.vectors.TaskVectorIo;
import io.cpt4j.spi.MergeProvider;
import java.nio.file.Path;
import java.util.List;

/**
 * The merge provider behind {@link Merge}, {@link TaskVector}, {@link Graft}, {@link
 * VectorSimilarity} and {@link MergeConfig} (registered in META-INF/services): each call goes to its
 * capability's package ({@code methods}, {@code vectors}, {@code graft}, {@code analytics}, {@code
 * config}), which write through the derived-checkpoint {@code engine}. Stateless.
 */
public final class CoreMergeProvider implements MergeProvider {

  @Override
  public MergeReport merge(Merge merge, Path output) {
    return MergeRun.run(merge, output);
  }

  // ---- task vectors, grafting and vector analytics

  @Override
  public List<TensorInfo> taskVectorTensors(TaskVector vector) {
    return List.copyOf(TaskVectorAlgebra.tensors(vector).values());
  }

  @Override
  public Tensor taskVectorTensor(TaskVector vector, String name) {
    return TaskVectorIo.tensor(vector, name);
  }

  @Override
  public void saveTaskVector(TaskVector vector, Path file, DType dtype) {
    TaskVectorIo.save(vector, file, dtype);
  }

  @Override
  public TaskVector.Stored loadTaskVector(Path file) {
    return TaskVectorIo.load(file);
  }

  @Override
  public MergeReport applyTaskVector(TaskVector.Application application, Path output) {
    return TaskVectorIo.apply(application, output);
  }

  @Override
  public GraftReport graft(Graft graft, Path output) {
    return GraftRun.run(graft, output);
  }

  @Override
  public SimilarityReport similarity(VectorSimilarity analysis) {
    return SimilarityRun.run(analysis);
  }

  @Override
  public String similarityJson(SimilarityReport report) {
    return SimilarityFormat.json(report);
  }

  @Override
  public String similarityTable(SimilarityReport report) {
    return SimilarityFormat.table(report);
  }

  @Override
  public MergeConfig loadConfig(Path yaml) {
    return MergeConfigCodec.load(yaml);
  }
}
