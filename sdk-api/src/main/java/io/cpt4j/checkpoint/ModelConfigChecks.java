package io.cpt4j.checkpoint;

/** Field checks of {@link ModelConfig}'s compact constructor, each naming the config.json key at fault. */
final class ModelConfigChecks {
  private ModelConfigChecks() {}

  static void positive(String field, int value) {
    if (value <= 0) {
      throw new ConfigException(field + " must be positive, got " + value);
    }
  }

  static void tokenId(String field, int id, int vocabSize) {
    if (id < 0 || id >= vocabSize) {
      throw new ConfigException(field + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
    }
  }

  /** The bias and q/k-norm combinations each transformers class can express (so written configs load as they are). */
  static void familyBiases(String type, boolean qkv, boolean out, boolean mlp, boolean qkNorm) {
    String problem = switch (type) {
      case "llama" -> qkv != out ? "Llama's attention_bias puts biases on q, k, v and o alike" : null;
      case "mistral" -> qkv || out || mlp ? "Mistral has no biases" : null;
      case "qwen2" -> !qkv || out || mlp ? "Qwen2 has biases on q, k and v only" : null;
      case "qwen3" -> qkv != out || mlp ? "Qwen3's attention_bias puts biases on q, k, v and o alike, none on the MLP"
          : null;
      default -> null;
    };
    if (problem == null && qkNorm != type.equals("qwen3")) {
      problem = "q/k normalisation belongs to Qwen3 alone";
    }
    if (problem != null) {
      throw new ConfigException(problem + " (model_type " + type + ": q/k/v bias " + qkv + ", o bias " + out
          + ", MLP bias " + mlp + ", q/k norm " + qkNorm + ")");
    }
  }

  /** The window and per-layer attention types, and the families whose transformers classes have them. */
  static void layers(String modelType, int numLayers, int slidingWindow, java.util.List<String> layerTypes) {
    if (slidingWindow < 0) {
      throw new ConfigException("sliding_window must be positive (or absent), got " + slidingWindow);
    }
    if (!layerTypes.isEmpty() && layerTypes.size() != numLayers) {
      throw new ConfigException("layer_types has " + layerTypes.size() + " entries for " + numLayers + " layers");
    }
    for (String t : layerTypes) {
      if (!t.equals(ModelConfig.FULL_ATTENTION) && !t.equals(ModelConfig.SLIDING_ATTENTION)) {
        throw new ConfigException("layer_types entry '" + t + "' is not supported (supported: "
            + ModelConfig.FULL_ATTENTION + ", " + ModelConfig.SLIDING_ATTENTION + ")");
      }
    }
    if (layerTypes.contains(ModelConfig.SLIDING_ATTENTION) && slidingWindow == 0) {
      throw new ConfigException("layer_types has sliding_attention layers but sliding_window is not set");
    }
    if (layerTypes.contains(ModelConfig.SLIDING_ATTENTION) && !java.util.Set.of("mistral", "qwen2", "qwen3").contains(modelType)) {
      throw new ConfigException("sliding-window attention is not part of " + modelType + " in transformers"
          + " (families with it: mistral, qwen2, qwen3)");
    }
  }
}
