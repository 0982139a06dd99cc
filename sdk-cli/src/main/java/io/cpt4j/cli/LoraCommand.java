package io.cpt4j.cli;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.lora.ApplicationReport;
import io.cpt4j.lora.ExtractionReport;
import io.cpt4j.lora.LoraApplication;
import io.cpt4j.lora.LoraExtraction;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cpt4j lora extract --base B --model M --rank R OUT} and {@code cpt4j lora apply BASE ADAPTER
 * OUT}: PEFT LoRA adapters from a fine-tune, and merged back into a base.
 */
@Command(
    name = "lora",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Extract a PEFT LoRA adapter from a fine-tuned model, or merge one into its base.",
    synopsisSubcommandLabel = "HOW",
    subcommands = {LoraCommand.Extract.class, LoraCommand.Apply.class, CommandLine.HelpCommand.class})
final class LoraCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing how: extract or apply");
  }

  private static int print(CommandSpec spec, String report) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(report);
    out.flush();
    return 0;
  }

  /** {@code cpt4j lora extract}. */
  @Command(
      name = "extract",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Write a PEFT LoRA adapter (adapter_config.json, adapter_model.safetensors) approximating",
        "MODEL - BASE on every attention and MLP projection by a truncated SVD (randomized, seeded,",
        "float64). Prints each projection's rank and retained energy; embeddings, the LM head, norms",
        "and biases that differ are named as not captured. OUT is written under a temporary name and",
        "renamed."
      })
  static final class Extract implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--base", paramLabel = "DIR", required = true, description = "The checkpoint fine-tuned from.")
    Path base;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "The fine-tuned checkpoint.")
    Path model;

    @Parameters(index = "0", paramLabel = "OUT", description = "Adapter directory to write.")
    Path output;

    @Option(names = "--rank", paramLabel = "R", required = true,
        description = "Rank of every projection (with --energy: the config's r and, unless --max-rank, the most).")
    int rank;

    @Option(names = "--energy", paramLabel = "F", converter = FractionConverter.class,
        description = "Give each projection the smallest rank keeping this fraction of its delta's energy "
            + "(e.g. 0.9 or 90%).")
    Double energy;

    @Option(names = "--max-rank", paramLabel = "R", description = "With --energy: the most rank a projection gets.")
    Integer maxRank;

    @Option(names = "--alpha", paramLabel = "A", description = "lora_alpha (default: each projection's rank, "
        + "scaling 1).")
    Integer alpha;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
        description = "Seed of the random sketches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "DTYPE", converter = FloatDTypeConverter.class,
        description = "dtype of the factors: F32, BF16 or F16 (default: the fine-tuned model's).")
    DType dtype;

    @Option(names = "--base-model-name", paramLabel = "NAME",
        description = "base_model_name_or_path of the adapter, e.g. a Hub id (default: --base as given).")
    String baseModelName;

    @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
    boolean overwrite;

    @Override
    public Integer call() {
      if (rank < 1 || (maxRank != null && maxRank < 1) || (alpha != null && alpha < 1)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--rank, --max-rank and --alpha must be at least 1");
      }
      if (maxRank != null && energy == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--max-rank caps the ranks --energy chooses: "
            + "give --energy too");
      }
      LoraExtraction x = LoraExtraction.between(base, model).rank(rank).seed(seed).dtype(dtype).overwrite(overwrite);
      if (energy != null) {
        x = x.energy(energy);
      }
      if (maxRank != null) {
        x = x.maxRank(maxRank);
      }
      if (alpha != null) {
        x = x.alpha(alpha);
      }
      if (baseModelName != null) {
        x = x.baseModelName(baseModelName);
      }
      ExtractionReport r = x.writeTo(output);
      PrintWriter err = spec.commandLine().getErr();
      r.warnings().forEach(err::println);
      err.flush();
      return print(spec, r.describe());
    }
  }

  /** {@code cpt4j lora apply}. */
  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Merge a PEFT LoRA adapter into BASE: each adapted weight becomes W + scaling * B * A, the",
        "other tensors and BASE's config and tokenizer files are copied. OUT is written under a",
        "temporary name and renamed."
      })
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BASE", description = "The checkpoint the adapter was made for.")
    Path base;

    @Parameters(index = "1", paramLabel = "ADAPTER", description = "PEFT adapter directory.")
    Path adapter;

    @Parameters(index = "2", paramLabel = "OUT", description = "Checkpoint directory to write.")
    Path output;

    @Option(names = "--dtype", paramLabel = "DTYPE", converter = FloatDTypeConverter.class,
        description = "Output dtype: F32, BF16 or F16 (default: keep the base's).")
    DType dtype;

    @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
    boolean overwrite;

    @Override
    public Integer call() {
      ApplicationReport r = LoraApplication.of(base, adapter).dtype(dtype).overwrite(overwrite).writeTo(output);
      return print(spec, r.describe());
    }
  }
}
