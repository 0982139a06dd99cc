package io.cpt4j.onnx;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An ONNX export of a checkpoint: a task value started by {@link #of}, configured by copies named
 * after the option they set ({@link #kvCache(boolean)}, {@link #fp16(boolean)}, {@link
 * #externalData(ExternalData)}, {@link #overwrite(boolean)}) and run by {@link #writeTo}.
 *
 * <pre>{@code
 * OnnxExport.of(Checkpoint.open(Path.of("models/finance-instruct")))
 *     .fp16(true)
 *     .writeTo(Path.of("models/finance-instruct-onnx"));
 * }</pre>
 *
 * <p>The output directory holds {@code model.onnx} (plus {@code model.onnx_data} when the weights
 * are stored outside the graph), {@code config.json} and {@code genai_config.json}, and the
 * checkpoint's tokenizer and generation files. The graph computes what cpt4j's decoder computes
 * (Llama family including grouped-query attention, Qwen2 biases, explicit {@code head_dim} and
 * {@code rope_scaling} "linear" / "llama3"; GPT-NeoX with partial rotary and parallel or sequential
 * residual), from standard operators of opset {@value #OPSET}. Rotary angles are computed in the
 * graph from {@code position_ids}; the causal mask and the padding mask from {@code attention_mask},
 * so left-padded batches work.
 *
 * <p>Defaults: with the key/value cache, float32 weights and compute, weights inside {@code
 * model.onnx} unless they exceed {@link #EXTERNAL_DATA_THRESHOLD} bytes ({@link ExternalData#AUTO}),
 * refuse to replace an existing non-empty directory. The directory is written under a hidden
 * temporary name and renamed into place, so a crash never leaves a half-written export.
 *
 * <p>Immutable and thread-safe. The checkpoint is not closed.
 *
 * @param checkpoint the model to export
 * @param kvCache whether the graph takes {@code past_key_values.*} and returns {@code present.*}
 * @param fp16 float16 weights, activations and cache; norms, softmax and the logits output stay float32
 *     (measured against the float32 decoder: logits within 0.6% of the largest |logit|)
 * @param externalData where the weights go
 * @param overwrite replace an existing non-empty output directory
 */
public record OnnxExport(Checkpoint checkpoint, boolean kvCache, boolean fp16, ExternalData externalData,
    boolean overwrite) {

  /** The ONNX operator set the graph is built for. */
  public static final int OPSET = 17;

  /**
   * With {@link ExternalData#AUTO}, weights move to {@code model.onnx_data} above this many bytes
   * (1 GiB): well under protobuf's 2 GiB message limit, and the exporter never holds more than one
   * tensor in memory.
   */
  public static final long EXTERNAL_DATA_THRESHOLD = 1L << 30;

  /** Where the weights are stored. */
  public enum ExternalData {
    /** Inside {@code model.onnx} up to {@link #EXTERNAL_DATA_THRESHOLD} bytes of weights, else external. */
    AUTO,
    /** Always in one {@code model.onnx_data} file next to {@code model.onnx}. */
    ALWAYS,
    /** Always inside {@code model.onnx}; fails above protobuf's 2 GiB limit. */
    NEVER
  }

  public OnnxExport {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(externalData, "externalData");
  }

  /** An export of {@code checkpoint} with the defaults above. */
  public static OnnxExport of(Checkpoint checkpoint) {
    return new OnnxExport(checkpoint, true, false, ExternalData.AUTO, false);
  }

  /** With or without the key/value cache inputs and outputs (default with). */
  public OnnxExport kvCache(boolean cache) {
    return new OnnxExport(checkpoint, cache, fp16, externalData, overwrite);
  }

  /** Float16 instead of float32 weights and activations. */
  public OnnxExport fp16(boolean half) {
    return new OnnxExport(checkpoint, kvCache, half, externalData, overwrite);
  }

  /** Where the weights go. */
  public OnnxExport externalData(ExternalData where) {
    return new OnnxExport(checkpoint, kvCache, fp16, where, overwrite);
  }

  /** Whether an existing non-empty output directory may be replaced. */
  public OnnxExport overwrite(boolean replace) {
    return new OnnxExport(checkpoint, kvCache, fp16, externalData, replace);
  }

  /**
   * Writes the export to {@code directory}.
   *
   * @return the files written, in the final directory
   * @throws OnnxException if the directory exists and is not empty (without {@link #overwrite}),
   *     an option is not supported, or writing fails (nothing is changed then)
   */
  public List<Path> writeTo(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return Providers.onnx().export(this, directory);
  }
}
