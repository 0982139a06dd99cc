package io.cpt4j.cli;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j convert IN OUT --dtype ...}: rewrites a checkpoint in another dtype and/or sharding. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Rewrite a checkpoint with another floating-point dtype and shard size.",
      "config.json (torch_dtype updated) and the tokenizer/generation files are copied.",
      "OUT is written under a temporary name and renamed, so it is never left half-written."
    })
final class ConvertCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "Checkpoint directory to read.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT", description = "Checkpoint directory to write.")
  Path output;

  @Option(
      names = "--dtype",
      required = true,
      paramLabel = "DTYPE",
      converter = FloatDTypeConverter.class,
      description = "Output dtype of floating-point tensors: f32, f16 or bf16.")
  DType dtype;

  @Option(
      names = "--max-shard-size",
      paramLabel = "SIZE",
      defaultValue = "5GB",
      converter = ByteSize.class,
      description = "Largest shard, e.g. 2GB (10^9 bytes), 2GiB (2^30), 500MB, or bytes (default: ${DEFAULT-VALUE}).")
  long maxShardSize;

  @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    List<Path> written;
    int tensorCount;
    try (Checkpoint in = Checkpoint.open(input);
        ProgressLine progress = ProgressLine.onStderrIfTerminal("converting")) {
      refuseNonEmptyOutput();
      List<Tensor> tensors = in.tensors().stream().map(TensorInfo::name).map(in::tensor).toList();
      tensorCount = tensors.size();
      written = CheckpointWriter.to(output)
          .dtype(dtype)
          .maxShardSize(maxShardSize)
          .copyFilesFrom(in)
          .overwrite(overwrite)
          .progress(progress)
          .write(tensors);
      progress.finish();
    }
    long bytes = OutputDirectory.totalBytes(written);
    double seconds = (System.nanoTime() - start) / 1e9;
    long shards = written.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors")).count();
    out.printf(Locale.ROOT, "converted %d tensors to %s: %d files (%d safetensors), %s bytes (%s) in %.2f s -> %s%n",
        tensorCount, dtype, written.size(), shards, Numbers.grouped(bytes), io.cpt4j.checkpoint.ByteSizes.decimal(bytes), seconds,
        output);
    out.flush();
    return 0;
  }

  /** The writer refuses too; checking first gives the CLI's own hint. */
  private void refuseNonEmptyOutput() throws IOException {
    if (!overwrite && OutputDirectory.isNonEmpty(output)) {
      throw new CheckpointException(output, OutputDirectory.NOT_EMPTY);
    }
  }
}
