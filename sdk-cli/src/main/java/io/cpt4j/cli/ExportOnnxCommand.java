package io.cpt4j.cli;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OnnxExport;
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

/** {@code cpt4j export onnx CKPT OUT}: the ONNX export with Optimum names and genai_config.json. */
@Command(
    name = "onnx",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Export a checkpoint to ONNX (opset " + OnnxExport.OPSET + ", standard operators only) for ONNX Runtime.",
      "OUT gets model.onnx (and model.onnx_data for weights over 1 GiB), config.json, genai_config.json",
      "and the tokenizer files. Inputs input_ids, attention_mask, position_ids and, with the cache,",
      "past_key_values.N.key|value; outputs logits and present.N.key|value (Optimum's names).",
      "OUT is written under a temporary name and renamed, so it is never left half-written."
    })
final class ExportOnnxCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CKPT", description = "Checkpoint directory (Hugging Face layout).")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT", description = "Directory to write.")
  Path output;

  @Option(names = "--no-kv-cache", description = "Export without past_key_values inputs and present outputs.")
  boolean noKvCache;

  @Option(names = "--fp16", description = "Float16 weights, activations and cache (norms, softmax and logits float32).")
  boolean fp16;

  @Option(names = "--external-data", paramLabel = "WHEN", defaultValue = "auto",
      description = "Weights in model.onnx_data: auto (above 1 GiB), always or never (default: ${DEFAULT-VALUE}).")
  OnnxExport.ExternalData externalData;

  @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    refuseNonEmptyOutput();
    List<Path> written;
    try (Checkpoint ckpt = Checkpoint.open(input)) {
      written = OnnxExport.of(ckpt).kvCache(!noKvCache).fp16(fp16).externalData(externalData)
          .overwrite(overwrite).writeTo(output);
    }
    long bytes = OutputDirectory.totalBytes(written);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(Locale.ROOT, "exported %s (%s, %s) to ONNX: %d files, %s bytes (%s) in %.2f s -> %s%n",
        input, fp16 ? "float16" : "float32", noKvCache ? "no KV cache" : "with KV cache", written.size(),
        Numbers.grouped(bytes), io.cpt4j.checkpoint.ByteSizes.decimal(bytes), seconds, output);
    out.flush();
    return 0;
  }

  /** The exporter refuses too; checking first gives the CLI's own hint. */
  private void refuseNonEmptyOutput() throws IOException {
    if (!overwrite && OutputDirectory.isNonEmpty(output)) {
      throw new OnnxException(output + ": " + OutputDirectory.NOT_EMPTY);
    }
  }
}
