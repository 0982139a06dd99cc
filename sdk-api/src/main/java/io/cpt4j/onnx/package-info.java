/**
 * Serving a model: export a checkpoint to ONNX ({@link io.cpt4j.onnx.OnnxExport}) and run the
 * exported model with ONNX Runtime ({@link io.cpt4j.onnx.OrtModel}).
 *
 * <p>The exported graph uses standard ONNX operators only (opset {@value
 * io.cpt4j.onnx.OnnxExport#OPSET}, no custom or contrib operators) and the input and output names of
 * Hugging Face Optimum: {@code input_ids [batch, sequence]}, {@code attention_mask [batch,
 * past + sequence]}, {@code position_ids [batch, sequence]} (all int64) and, with the key/value
 * cache, {@code past_key_values.N.key|value [batch, kv_heads, past, head_dim]}; outputs {@code
 * logits [batch, sequence, vocab]} and {@code present.N.key|value [batch, kv_heads, past +
 * sequence, head_dim]}. Beside {@code model.onnx} the export writes {@code config.json}, the
 * tokenizer files and a {@code genai_config.json} for ONNX Runtime GenAI.
 */
package io.cpt4j.onnx;
