package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.MergeReport;
import io.cpt4j.merge.MethodDeclaration;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.DerivedCheckpoint;
import io.cpt4j.merge.internal.engine.DerivedOutput;
import io.cpt4j.merge.internal.tokens.VocabularyRemap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a {@link Merge} on the derived-checkpoint engine: checks the inputs agree ({@link
 * InputCheck}), then, in the target's order, copies each unmerged tensor and derives each merged one
 * with the method's {@link Derivation} ({@link TensorMerge} for the task-arithmetic family, linear,
 * passthrough and chat vectors; {@link InterpolationMerge} for slerp, model_stock and nearswap; {@link
 * SphericalMerge} for nuslerp, multislerp and karcher; {@link SceMerge} for sce; {@link RamMerge} for ram and
 * ramplus_tl), computed from the memory-mapped inputs chunk by chunk as it is written.
 * Passthrough tensors with scale 1 are copied from the model. Stateless.
 */
public final class MergeRun {
  private MergeRun() {}

  /** Runs {@code merge} into {@code output} in chunks of {@link DerivedCheckpoint#DEFAULT_CHUNK} elements. */
  public static MergeReport run(Merge merge, Path output) {
    return run(merge, output, DerivedCheckpoint.DEFAULT_CHUNK);
  }

  /**
   * One output tensor and what it is made from: the target's tensor (added to), the base's (the
   * task vectors' reference; null for nuslerp and multislerp merging the models themselves), the
   * models with their tensors, and the layer position of its parameters.
   */
  record Inputs(TensorInfo info, Tensor target, Tensor base, List<MergeInput> models, Tensor[] tensors, double pos) {}

  /** Runs {@code merge} computing in chunks of {@code chunk} elements (small values exercise chunking in tests). */
  static MergeReport run(Merge merge, Path output, int chunk) {
    DerivedCheckpoint out = DerivedCheckpoint.start(chunk);
    TaskArithmeticKernel.Rule rule = switch (merge.method()) {
      case MergeMethod.Slerp s -> null;
      case MergeMethod.ModelStock ms -> null;
      case MergeMethod.Nearswap ns -> null;
      case MergeMethod.Sce sce -> null;
      case MergeMethod.Ram _, MergeMethod.RamplusTl _ -> null;
      case MergeMethod.Nuslerp n -> null;
      case MergeMethod.Multislerp m -> null;
      case MergeMethod.Karcher k -> null;
      default -> TaskArithmeticKernel.Rule.of(merge.method());
    };
    if (!merge.slices().isEmpty()) {
      SlicePlan plan = SlicePlan.of(merge);
      for (Inputs in : plan.tensors()) {
        if (in.info().dtype().isFloatingPoint()) {
          add(out, merge, rule, in, in.info().elementCount(), null, chunk);
        } else {
          out.copy(in.target());
        }
      }
      return write(merge, output, out, merge.target(), Optional.of(plan.config()), Map.of());
    }
    if (merge.tokenizer().isPresent()) { // the inputs' vocabulary tensors read in the output vocabulary
      VocabularyRemap remap = VocabularyRemap.of(merge);
      return whole(remap.remapped(merge), output, out, rule, chunk, Optional.of(remap.config(merge)), remap.files());
    }
    return whole(merge, output, out, rule, chunk, Optional.empty(), Map.of());
  }

  /** The merge of whole models (no slices), with the output's config.json text and further files if given. */
  private static MergeReport whole(Merge merge, Path output, DerivedCheckpoint out, TaskArithmeticKernel.Rule rule,
      int chunk, Optional<String> config, Map<String, String> files) {
    InputCheck.Vocabulary vocab = InputCheck.check(merge);
    int numLayers = merge.target().config().numLayers();
    // nuslerp and multislerp merge the models themselves when the base is one of them
    boolean reference = merge.method().declaration().baseRole() != MethodDeclaration.BaseRole.OPTIONAL_REFERENCE
        || !baseIsAModel(merge);
    for (TensorInfo t : merge.target().tensors()) {
      String name = t.name();
      boolean vocabRows = vocab.differs() && InputCheck.isVocabularyTensor(name);
      Tensor source = vocabRows ? vocab.from().tensor(name) : merge.target().tensor(name);
      if (!t.dtype().isFloatingPoint() || !merge.merges(name)) {
        out.copy(source);
        continue;
      }
      Tensor[] models = merge.models().stream().map(m -> m.checkpoint().tensor(name)).toArray(Tensor[]::new);
      Tensor target = merge.target().tensor(name);
      Tensor base = merge.base() == merge.target() ? target : merge.base().tensor(name);
      Inputs in = new Inputs(new TensorInfo(name, t.dtype(), source.shape()), target, reference ? base : null,
          merge.models(), models, LayerPosition.of(name, numLayers));
      add(out, merge, rule, in, vocabRows ? vocab.sharedElements(t) : t.elementCount(), source, chunk);
    }
    Checkpoint filesFrom = vocab.differs() ? vocab.from() : merge.target();
    if (vocab.differs() && merge.tokenizerFrom().isPresent() && merge.tokenizerFrom().get() != vocab.from()) {
      throw new MergeException("the vocabulary comes from " + vocab.from().directory() + " but the tokenizer from "
          + merge.tokenizerFrom().get().directory() + ": with differing vocabularies they must be the same model");
    }
    return write(merge, output, out, filesFrom, config, files);
  }

  private static MergeReport write(Merge merge, Path output, DerivedCheckpoint out, Checkpoint filesFrom,
      Optional<String> config, Map<String, String> files) {
    return out.write(new DerivedOutput(output, "merge into " + output, merge.dtype(), merge.maxShardSize(),
        merge.overwrite(), filesFrom, merge.tokenizerFrom(), Map.of("merge_method", merge.method().name()),
        merge.chatTemplate(), config, files)).toMergeReport();
  }

  /**
   * Appends output tensor {@code in}: copied from the model where passthrough's scale is 1, else
   * derived by the method from the first {@code count} elements of the inputs ({@code tail} supplies
   * the rest: the extra vocabulary rows).
   */
  private static void add(DerivedCheckpoint out, Merge merge, TaskArithmeticKernel.Rule rule, Inputs in, long count,
      Tensor tail, int chunk) {
    String name = in.info().name();
    double[] weights = new double[in.models().size()];
    double[] densities = new double[weights.length];
    for (int k = 0; k < weights.length; k++) {
      MergeInput m = in.models().get(k);
      weights[k] = merge.method() instanceof MergeMethod.Passthrough p ? p.scale().at(name, in.pos())
          : m.weight().at(name, in.pos());
      densities[k] = m.density().at(name, in.pos());
      MergeInput.checkDensity(m.checkpoint(), name, densities[k]);
      if (rule != null && rule.sparsify() == MergeMethod.Sparsification.RANK_SAMPLING) {
        RankSampling.check(m.checkpoint().directory().toString(), name, densities[k], rule.epsilon());
      }
    }
    Tensor[] models = in.tensors();
    if (merge.method() instanceof MergeMethod.Passthrough && weights[0] == 1) {
      out.copy(models[0]); // the identity: the model's tensor as it is stored
      return;
    }
    Tensor base = in.base() == null ? in.target() : in.base();
    Derivation d = rule == null ? other(merge, in, weights, count, chunk)
        : new TensorMerge(rule, name, base, in.target(), models, weights, densities, count, chunk,
            in.info().elementCount() / rows(in.info()));
    out.derive(in.info(), d, count < in.info().elementCount() ? tail : null, bytesRead(in, rule, count));
  }

  /**
   * The derivation of the methods outside the task-arithmetic rule: slerp's {@code t} or nearswap's
   * threshold for this tensor, model_stock's rows, sce, ram; the statistics come in phase 1.
   */
  private static Derivation other(Merge merge, Inputs in, double[] weights, long count, int chunk) {
    String name = in.info().name();
    TensorInfo t = in.info();
    Tensor base = in.base() == null ? in.target() : in.base();
    Tensor[] models = in.tensors();
    double pos = in.pos();
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
      case MergeMethod.Sce sce -> new SceMerge(sce.selectTopk(), base, in.target(), models, count, chunk);
      case MergeMethod.Ram _, MergeMethod.RamplusTl _ -> new RamMerge(merge.method(), base, in.target(), models,
          count, chunk);
      case MergeMethod.Karcher k -> new SphericalMerge(k, name, null, models, weights, t.shape(), count, chunk);
      // nuslerp and multislerp merge task vectors against a base, the models themselves without one
      case MergeMethod.Nuslerp n -> new SphericalMerge(n, name, in.base(), models, weights, t.shape(), count, chunk);
      case MergeMethod.Multislerp m -> new SphericalMerge(m, name, in.base(), models, weights, t.shape(), count,
          chunk);
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

  /** Bytes of the inputs read for {@code count} elements of {@code in}. */
  private static long bytesRead(Inputs in, TaskArithmeticKernel.Rule rule, long count) {
    long n = count * in.target().dtype().byteSize();
    if ((rule == null || !rule.linear()) && in.base() != null && in.base() != in.target()) {
      n += count * in.base().dtype().byteSize();
    }
    for (Tensor m : in.tensors()) {
      n += count * m.dtype().byteSize();
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
