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
 * with the method's {@link Derivation} ({@link TensorMerge} for the task-arithmetic family, linear,
 * passthrough and chat vectors; {@link InterpolationMerge} for slerp, model_stock and nearswap; {@link
 * SphericalMerge} for nuslerp, multislerp and karcher; {@link SceMerge} for sce), computed from the memory-mapped inputs chunk by chunk as it is written.
 * Passthrough tensors with scale 1 are copied from the model. Stateless.
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
    TaskArithmeticKernel.Rule rule = switch (merge.method()) {
      case MergeMethod.Slerp s -> null;
      case MergeMethod.ModelStock ms -> null;
      case MergeMethod.Nearswap ns -> null;
      case MergeMethod.Sce sce -> null;
      case MergeMethod.Nuslerp n -> null;
      case MergeMethod.Multislerp m -> null;
      case MergeMethod.Karcher k -> null;
      default -> TaskArithmeticKernel.Rule.of(merge.method());
    };
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
        weights[k] = merge.method() instanceof MergeMethod.Passthrough p ? p.scale().at(name, pos)
            : m.weight().at(name, pos);
        densities[k] = m.density().at(name, pos);
        MergeInput.checkDensity(m.checkpoint(), name, densities[k]);
        if (rule != null && rule.sparsify() == MergeMethod.Sparsification.RANK_SAMPLING) {
          RankSampling.check(m.checkpoint().directory().toString(), name, densities[k], rule.epsilon());
        }
        models[k] = m.checkpoint().tensor(name);
      }
      if (merge.method() instanceof MergeMethod.Passthrough && weights[0] == 1) {
        out.copy(models[0]); // the identity: the model's tensor as it is stored
        continue;
      }
      Tensor target = merge.target().tensor(name);
      Tensor base = merge.base() == merge.target() ? target : merge.base().tensor(name);
      Derivation d = rule == null ? other(merge, name, t, base, target, models, weights, pos, count, chunk)
          : new TensorMerge(rule, name, base, target, models, weights, densities, count, chunk,
              t.elementCount() / rows(t));
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

  /**
   * The derivation of the methods outside the task-arithmetic rule: slerp's {@code t} or nearswap's
   * threshold for this tensor, model_stock's rows, sce; the statistics come in phase 1.
   */
  private static Derivation other(Merge merge, String name, TensorInfo t, Tensor base, Tensor target,
      Tensor[] models, double[] weights, double pos, long count, int chunk) {
    return switch (merge.method()) {
      case MergeMethod.Slerp s -> new InterpolationMerge(s, name, base, models, s.t().at(name, pos), 1, count, chunk);
      case MergeMethod.ModelStock ms -> new InterpolationMerge(ms, name, base, models, 0,
          ms.filterWise() ? ModelStockKernel.rowLength(t.shape(), true) : count, count, chunk);
      case MergeMethod.Nearswap ns -> {
        double threshold = ns.t().at(name, pos);
        if (!(threshold >= 0)) {
          throw new MergeException("nearswap's t for " + name + " must be >= 0, got " + threshold);
        }
        yield new InterpolationMerge(ns, name, base, models, threshold, 1, count, chunk);
      }
      case MergeMethod.Sce sce -> new SceMerge(sce.selectTopk(), base, target, models, count, chunk);
      case MergeMethod.Karcher k -> new SphericalMerge(k, name, null, models, weights, t.shape(), count, chunk);
      // nuslerp and multislerp merge task vectors against a base that is not one of the models
      case MergeMethod.Nuslerp n -> new SphericalMerge(n, name, baseIsAModel(merge) ? null : base, models, weights,
          t.shape(), count, chunk);
      case MergeMethod.Multislerp m -> new SphericalMerge(m, name, baseIsAModel(merge) ? null : base, models,
          weights, t.shape(), count, chunk);
      default -> throw new IllegalArgumentException(merge.method().name());
    };
  }

  /** Whether the base is itself one of the merged models (nuslerp and multislerp then merge the models' values). */
  static boolean baseIsAModel(Merge merge) {
    return merge.models().stream().anyMatch(m -> m.checkpoint() == merge.base());
  }

  /** Rows of {@code t}: its first dimension (1 for a vector or scalar); DELLA ranks within rows. */
  private static long rows(TensorInfo t) {
    return t.shape().size() < 2 ? 1 : t.shape().getFirst();
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
