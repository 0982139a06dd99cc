package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.MergeReport;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.DerivedCheckpoint;
import io.cpt4j.merge.internal.engine.DerivedOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Merge} on the derived-checkpoint engine: checks the inputs agree ({@link
 * InputCheck}), then, in the target's order, copies each unmerged tensor and derives each merged one
 * with the method's {@link Derivation} ({@link TensorMerge} for the task-arithmetic family, linear
 * and chat vectors; {@link InterpolationMerge} for slerp and model_stock), computed from the
 * memory-mapped inputs chunk by chunk as it is written. Stateless.
 */
public final class MergeRun {
  private MergeRun() {}

  /** Runs {@code merge} into {@code output} in chunks of {@link DerivedCheckpoint#DEFAULT_CHUNK} elements. */
  public static MergeReport run(Merge merge, Path output) {
    return run(merge, output, DerivedCheckpoint.DEFAULT_CHUNK);
  }

  /** Runs {@code merge} computing in chunks of {@code chunk} elements (small values exercise chunking in tests). */
  static MergeReport run(Merge merge, Path output, int chunk) {
    DerivedCheckpoint out = DerivedCheckpoint.start(chunk);
    InputCheck.Vocabulary vocab = InputCheck.check(merge);
    boolean interpolation = merge.method() instanceof MergeMethod.Slerp || merge.method() instanceof MergeMethod.ModelStock;
    TaskArithmeticKernel.Rule rule = interpolation ? null : TaskArithmeticKernel.Rule.of(merge.method());
    int numLayers = merge.target().config().numLayers();
    for (TensorInfo t : merge.target().tensors()) {
      String name = t.name();
      boolean vocabRows = vocab.differs() && InputCheck.isVocabularyTensor(name);
      Tensor source = vocabRows ? vocab.from().tensor(name) : merge.target().tensor(name);
      if (!t.dtype().isFloatingPoint() || !merge.merges(name)) {
        out.copy(source);
        continue;
      }
      long count = vocabRows ? vocab.sharedElements(t) : t.elementCount();
      double pos = LayerPosition.of(name, numLayers);
      double[] weights = new double[merge.models().size()];
      double[] densities = new double[merge.models().size()];
      Tensor[] models = new Tensor[merge.models().size()];
      for (int k = 0; k < densities.length; k++) {
        MergeInput m = merge.models().get(k);
        weights[k] = m.weight().at(name, pos);
        densities[k] = m.density().at(name, pos);
        MergeInput.checkDensity(m.checkpoint(), name, densities[k]);
        models[k] = m.checkpoint().tensor(name);
      }
      Tensor target = merge.target().tensor(name);
      Tensor base = merge.base() == merge.target() ? target : merge.base().tensor(name);
      Derivation d = interpolation ? interpolation(merge, name, t, base, models, pos, count, chunk)
          : new TensorMerge(rule, name, base, target, models, weights, densities, count, chunk);
      TensorInfo info = new TensorInfo(name, t.dtype(), source.shape());
      out.derive(info, d, count < info.elementCount() ? source : null, bytesRead(merge, rule, name, count));
    }
    Checkpoint filesFrom = vocab.differs() ? vocab.from() : merge.target();
    if (vocab.differs() && merge.tokenizerFrom().isPresent() && merge.tokenizerFrom().get() != vocab.from()) {
      throw new MergeException("the vocabulary comes from " + vocab.from().directory() + " but the tokenizer from "
          + merge.tokenizerFrom().get().directory() + ": with differing vocabularies they must be the same model");
    }
    return out.write(new DerivedOutput(output, "merge into " + output, merge.dtype(), merge.maxShardSize(),
        merge.overwrite(), filesFrom, merge.tokenizerFrom(), Map.of("merge_method", merge.method().name()),
        merge.chatTemplate())).toMergeReport();
  }

  /** slerp's {@code t} for this tensor, or model_stock's rows; the statistics come in phase 1. */
  private static Derivation interpolation(Merge merge, String name, TensorInfo t, Tensor base, Tensor[] models,
      double pos, long count, int chunk) {
    return switch (merge.method()) {
      case MergeMethod.Slerp s -> new InterpolationMerge(s, name, base, models, s.t().at(name, pos), 1, count, chunk);
      case MergeMethod.ModelStock ms -> new InterpolationMerge(ms, name, base, models, 0,
          ms.filterWise() ? ModelStockKernel.rowLength(t.shape(), true) : count, count, chunk);
      default -> throw new IllegalArgumentException(merge.method().name());
    };
  }

  /** Bytes of the inputs read for {@code count} elements of tensor {@code name}. */
  private static long bytesRead(Merge merge, TaskArithmeticKernel.Rule rule, String name, long count) {
    long n = count * merge.target().tensor(name).dtype().byteSize();
    if ((rule == null || !rule.linear()) && merge.base() != merge.target()) {
      n += count * merge.base().tensor(name).dtype().byteSize();
    }
    for (MergeInput m : merge.models()) {
      n += count * m.checkpoint().tensor(name).dtype().byteSize();
    }
    return n;
  }

  /** Checkpoints taking part: the base, the target if different, the models. */
  static List<Checkpoint> inputs(Merge merge) {
    List<Checkpoint> all = new ArrayList<>();
    all.add(merge.base());
    if (merge.target() != merge.base()) {
      all.add(merge.target());
    }
    merge.models().forEach(m -> all.add(m.checkpoint()));
    return all;
  }
}
