package io.cpt4j.cli;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.merge.Graft;
import io.cpt4j.merge.GraftReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j graft BASE TUNED OUT --top 1% [--global] | --mask FILE}: skill localization by grafting. */
@Command(
    name = "graft",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Graft fine-tuned values onto the base where a sparse mask says so.",
      "Skill localization (Panigrahi et al. 2023): OUT is BASE with the values",
      "of TUNED where the mask is set. --top F takes the F largest |TUNED - BASE|",
      "of each tensor (with --global: of the whole model); --mask FILE reads a",
      "safetensors file of BOOL/U8 tensors named and shaped like the model's",
      "(1 = graft). config.json and the tokenizer come from BASE. OUT is written",
      "under a temporary name and renamed when complete."
    })
final class GraftCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BASE", description = "The pre-trained checkpoint directory.")
  Path basePath;

  @Parameters(index = "1", paramLabel = "TUNED", description = "The fine-tuned checkpoint directory.")
  Path tunedPath;

  @Parameters(index = "2", paramLabel = "OUT", description = "Checkpoint directory to write.")
  Path output;

  @ArgGroup(exclusive = true, multiplicity = "1")
  MaskChoice mask;

  static final class MaskChoice {
    @Option(names = "--top", paramLabel = "FRACTION", converter = FractionConverter.class,
        description = "Graft this fraction of the largest deltas, e.g. 1% or 0.01.")
    Double top;

    @Option(names = "--mask", paramLabel = "FILE", description = "Graft where this mask file holds 1.")
    Path maskFile;
  }

  @Option(names = "--global", description = "With --top: select over the whole model instead of per tensor.")
  boolean global;

  @Option(names = "--include", paramLabel = "REGEX", description = "Consider only tensors whose full name matches.")
  String include;

  @Option(names = "--exclude", paramLabel = "REGEX",
      description = "Never graft tensors whose full name matches, e.g. '.*(embed_tokens|lm_head).*'.")
  String exclude;

  @Option(names = "--dtype", paramLabel = "DTYPE", converter = FloatDTypeConverter.class,
      description = "Output dtype of floating-point tensors (default: the base's).")
  DType dtype;

  @Option(names = "--max-shard-size", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Largest shard, e.g. 5GB (default: one file).")
  Long maxShardSize;

  @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
  boolean overwrite;

  @Option(names = "--save-mask", paramLabel = "FILE",
      description = "Also write the mask used (U8 safetensors, reusable with --mask).")
  Path saveMask;

  @Option(names = "--per-tensor", description = "Also print one line per tensor.")
  boolean perTensor;

  @Override
  public Integer call() {
    if (global && mask.top == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--global needs --top");
    }
    PrintWriter out = spec.commandLine().getOut();
    GraftReport r;
    try (Checkpoint base = Checkpoint.open(basePath); Checkpoint tuned = Checkpoint.open(tunedPath)) {
      Graft.Mask m = mask.maskFile != null ? new Graft.MaskFile(mask.maskFile)
          : global ? new Graft.TopGlobal(mask.top) : new Graft.TopPerTensor(mask.top);
      Graft g = Graft.of(base, tuned, m).dtype(dtype).overwrite(overwrite);
      if (include != null) {
        g = g.include(include);
      }
      if (exclude != null) {
        g = g.exclude(exclude);
      }
      if (maxShardSize != null) {
        g = g.maxShardSize(maxShardSize);
      }
      if (saveMask != null) {
        g = g.saveMask(saveMask);
      }
      r = g.writeTo(output);
    }
    String how = mask.maskFile != null ? "mask " + mask.maskFile
        : "top " + FractionConverter.percent(mask.top) + (global ? " of the model" : " per tensor");
    long touched = r.tensors().stream().filter(t -> t.grafted() > 0).count();
    out.printf(Locale.ROOT, "grafted %s of %s parameters (%.4f%%) in %d of %d tensors (%s) in %.2f s -> %s%n",
        Numbers.grouped(r.grafted()), Numbers.grouped(r.parameters()), 100 * r.fraction(), touched,
        r.tensors().size(), how, r.elapsed().toNanos() / 1e9, output);
    if (perTensor) {
      int width = r.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(6);
      for (GraftReport.TensorGraft t : r.tensors()) {
        out.printf(Locale.ROOT, "  %-" + width + "s %14s of %14s  %8.4f%%%n", t.name(), Numbers.grouped(t.grafted()),
            Numbers.grouped(t.elements()), 100 * t.fraction());
      }
    }
    out.flush();
    return 0;
  }
}
