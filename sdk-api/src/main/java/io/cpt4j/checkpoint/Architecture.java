package io.cpt4j.checkpoint;

/**
 * The decoder families cpt4j runs. Each is one set of tensor names and one code path in the
 * config-driven decoder; variants within a family (GQA, biases, partial rotary …) are {@link
 * ModelConfig} fields.
 */
public enum Architecture {
  /** {@code LlamaForCausalLM} and its relatives Mistral ({@code MistralForCausalLM}), Qwen2 and Qwen3. */
  LLAMA,
  /** {@code GPTNeoXForCausalLM} (Pythia). */
  GPT_NEOX;

  /** Family of a Hugging Face {@code architectures[0]} class name, or null if unsupported. */
  public static Architecture ofHfClass(String className) {
    return ModelFamily.ofHfClass(className).map(ModelFamily::architecture).orElse(null);
  }
}
