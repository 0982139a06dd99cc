package io.cpt4j.cli;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.merge.TaskVector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j vectors diff BASE TUNED OUT}: writes the task vector {@code TUNED − BASE} as safetensors. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Write the task vector TUNED - BASE to a safetensors file.",
      "OUT is one file (float32 by default) written chunk by chunk, under a",
      "temporary name renamed when complete. Its metadata records the base, the",
      "tuned model and the expression; load it with TaskVector.load."
    })
final class VectorsDiffCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BASE", description = "The base checkpoint directory.")
  Path basePath;

  @Parameters(index = "1", paramLabel = "TUNED", description = "The fine-tuned checkpoint directory.")
  Path tunedPath;

  @Parameters(index = "2", paramLabel = "OUT", description = "The .safetensors file to write.")
  Path output;

  @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f32", converter = FloatDTypeConverter.class,
      description = "dtype of the stored values: f32 (exact), bf16 or f16 (default: ${DEFAULT-VALUE}).")
  DType dtype;

  @Option(names = "--include", paramLabel = "REGEX", description = "Keep only tensors whose full name matches.")
  String include;

  @Option(names = "--exclude", paramLabel = "REGEX",
      description = "Leave out tensors whose full name matches, e.g. '.*(embed_tokens|lm_head).*'.")
  String exclude;

  @Option(names = "--overwrite", description = "Replace OUT if it exists.")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    if (!overwrite && Files.exists(output)) {
      throw new CheckpointException(output, "file exists (pass --overwrite to replace it)");
    }
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    int tensors;
    long elements;
    try (Checkpoint base = Checkpoint.open(basePath); Checkpoint tuned = Checkpoint.open(tunedPath)) {
      TaskVector v = TaskVector.between(base, tuned);
      if (include != null) {
        v = v.including(include);
      }
      if (exclude != null) {
        v = v.excluding(exclude);
      }
      tensors = v.tensors().size();
      elements = v.elementCount();
      v.save(output, dtype);
    }
    long bytes = Files.size(output);
    out.printf(Locale.ROOT, "task vector of %d tensors (%s values, %s): %s bytes (%s) in %.2f s -> %s%n", tensors,
        Numbers.grouped(elements), dtype, Numbers.grouped(bytes), io.cpt4j.checkpoint.ByteSizes.decimal(bytes),
        (System.nanoTime() - start) / 1e9, output);
    out.flush();
    return 0;
  }
}
