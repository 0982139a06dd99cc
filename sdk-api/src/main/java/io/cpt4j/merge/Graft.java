package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Grafting (skill localization): the base model with the fine-tuned values put back only where a
 * sparse mask says so, {@code out = mask ? tuned : base} per entry (Panigrahi et al., "Task-Specific
 * Skill Localization in Fine-tuned Language Models", ICML 2023, arXiv:2302.06600).
 *
 * <pre>{@code
 * GraftReport r = Graft.topGlobal(base, tuned, 0.01).writeTo(Path.of("grafted"));
 * System.out.printf("grafted %.3f%% of the parameters%n", 100 * r.fraction());
 * }</pre>
 *
 * <p>The mask is one of:
 *
 * <ul>
 *   <li>{@link TopPerTensor}: in every tensor of {@code n} elements, exactly {@code k = ⌊f·n⌋} entries
 *       with the largest {@code |tuned − base|} (computed in float32);
 *   <li>{@link TopGlobal}: exactly {@code k = ⌊f·N⌋} entries with the largest {@code |tuned − base|}
 *       over all {@code N} considered entries of the model (a threshold found by streaming selection,
 *       never holding the model);
 *   <li>{@link MaskFile}: a safetensors file of {@code BOOL} or {@code U8} tensors named and shaped
 *       like the model's tensors, {@code 1} = graft, {@code 0} = keep the base; any other value is an
 *       error. Model tensors the file lacks are not grafted; a mask tensor the model lacks, or of
 *       another shape or dtype, is an error.
 * </ul>
 *
 * <p>In the top-k masks, entries tied at the threshold magnitude are taken in tensor order, then
 * index order, until exactly {@code k} are grafted. Only floating-point tensors that pass the {@code
 * include}/{@code exclude} filters are considered; the others (and everything the mask leaves out)
 * come from the base, as do config.json and the tokenizer files. Grafted values are written in the
 * output dtype (by default the base's: a float32 tuned value grafted into a BF16 base is rounded). The inputs are read a few times
 * (selection, counting, writing), chunk by chunk: memory stays bounded by a few chunks.
 *
 * <p>Immutable and thread-safe; options return modified copies. Checkpoints are not closed.
 *
 * @param base the pre-trained model
 * @param tuned the fine-tuned model (same architecture, tensor names and shapes)
 * @param mask which entries are grafted
 * @param include only tensors whose full name matches are considered; empty considers all
 * @param exclude tensors whose full name matches are not considered; empty excludes none
 * @param dtype output dtype of floating-point tensors; null (the default) keeps the base's
 * @param maxShardSize largest output shard in bytes; default one file
 * @param overwrite replace an existing non-empty output directory; default false
 * @param maskOutput where to also write the mask used, as a mask file of U8 tensors (one per
 *     considered tensor; reusable with {@link MaskFile}), atomically after the checkpoint; default
 *     none
 */
public record Graft(
    Checkpoint base,
    Checkpoint tuned,
    Mask mask,
    Optional<Pattern> include,
    Optional<Pattern> exclude,
    DType dtype,
    long maxShardSize,
    boolean overwrite,
    Optional<Path> maskOutput) {

  public Graft {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(tuned, "tuned");
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(include, "include");
    Objects.requireNonNull(exclude, "exclude");
    Objects.requireNonNull(maskOutput, "maskOutput");
    if (dtype != null && !dtype.isFloatingPoint()) {
      throw new MergeException("output dtype must be floating point, got " + dtype);
    }
    if (maxShardSize <= 0) {
      throw new MergeException("maxShardSize must be positive, got " + maxShardSize);
    }
  }

  /** Which entries are grafted. */
  public sealed interface Mask permits TopPerTensor, TopGlobal, MaskFile {}

  /**
   * The largest {@code ⌊fraction·n⌋} |δ| of each tensor.
   *
   * @param fraction in [0, 1]
   */
  public record TopPerTensor(double fraction) implements Mask {
    public TopPerTensor {
      checkFraction(fraction);
    }
  }

  /**
   * The largest {@code ⌊fraction·N⌋} |δ| over all considered tensors together.
   *
   * @param fraction in [0, 1]
   */
  public record TopGlobal(double fraction) implements Mask {
    public TopGlobal {
      checkFraction(fraction);
    }
  }

  /**
   * A mask read from a safetensors file (see the class comment for its format).
   *
   * @param file a {@code .safetensors} file or {@code .safetensors.index.json}
   */
  public record MaskFile(Path file) implements Mask {
    public MaskFile {
      Objects.requireNonNull(file, "file");
    }
  }

  /** Grafts the top {@code fraction} of |δ| of each tensor. */
  public static Graft topPerTensor(Checkpoint base, Checkpoint tuned, double fraction) {
    return of(base, tuned, new TopPerTensor(fraction));
  }

  /** Grafts the top {@code fraction} of |δ| over the whole model. */
  public static Graft topGlobal(Checkpoint base, Checkpoint tuned, double fraction) {
    return of(base, tuned, new TopGlobal(fraction));
  }

  /** Grafts where the mask file says 1. */
  public static Graft fromMask(Checkpoint base, Checkpoint tuned, Path maskFile) {
    return of(base, tuned, new MaskFile(maskFile));
  }

  /** A graft with the given mask and the defaults above. */
  public static Graft of(Checkpoint base, Checkpoint tuned, Mask mask) {
    return new Graft(base, tuned, mask, Optional.empty(), Optional.empty(), null, Long.MAX_VALUE, false,
        Optional.empty());
  }

  /** Considers only tensors whose full name matches {@code regex}. */
  public Graft include(String regex) {
    return new Graft(base, tuned, mask, Optional.of(Pattern.compile(regex)), exclude, dtype, maxShardSize, overwrite,
        maskOutput);
  }

  /** Never grafts tensors whose full name matches {@code regex}. */
  public Graft exclude(String regex) {
    return new Graft(base, tuned, mask, include, Optional.of(Pattern.compile(regex)), dtype, maxShardSize, overwrite,
        maskOutput);
  }

  public Graft dtype(DType outputDtype) {
    return new Graft(base, tuned, mask, include, exclude, outputDtype, maxShardSize, overwrite, maskOutput);
  }

  public Graft maxShardSize(long bytes) {
    return new Graft(base, tuned, mask, include, exclude, dtype, bytes, overwrite, maskOutput);
  }

  public Graft overwrite(boolean replace) {
    return new Graft(base, tuned, mask, include, exclude, dtype, maxShardSize, replace, maskOutput);
  }

  /** Also writes the mask used to {@code file} (see {@link #maskOutput}). */
  public Graft saveMask(Path file) {
    return new Graft(base, tuned, mask, include, exclude, dtype, maxShardSize, overwrite, Optional.of(file));
  }

  /** Whether tensor {@code name} is considered (passes the filters). */
  public boolean considers(String name) {
    return include.map(p -> p.matcher(name).matches()).orElse(true)
        && !exclude.map(p -> p.matcher(name).matches()).orElse(false);
  }

  /**
   * Computes the mask and writes the grafted checkpoint to {@code directory} atomically.
   *
   * @throws MergeException if the checkpoints disagree, the mask file is invalid (naming the tensor
   *     and the defect), or writing fails; nothing is left under {@code directory} then
   */
  public GraftReport writeTo(Path directory) {
    return Providers.merge().graft(this, directory);
  }

  private static void checkFraction(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new MergeException("graft fraction must be in [0, 1], got " + fraction);
    }
  }
}
