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

  /** The bias combinations each transformers class can express (so written configs load as they are). */
  static void familyBiases(ModelFamily family, boolean qkv, boolean out, boolean mlp) {
    String problem = switch (family.biases()) {
      case ATTENTION_AND_MLP_KEYS -> qkv != out ? "attention_bias puts biases on q, k, v and o alike" : null;
      case ATTENTION_KEY -> qkv != out || mlp ? "attention_bias puts biases on q, k, v and o alike, none on the MLP"
          : null;
      case QKV -> !qkv || out || mlp ? "the biases are on q, k and v only" : null;
      case NONE -> qkv || out || mlp ? "there are no biases" : null;
      case NEOX -> qkv != out || !mlp ? "attention_bias puts biases on q/k/v and the output alike; the MLP has them"
          : null;
    };
    if (problem != null) {
      throw new ConfigException(family.hfClass() + ": " + problem + " (q/k/v bias " + qkv + ", o bias " + out
          + ", MLP bias " + mlp + ")");
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
    ModelFamily family = ModelFamily.ofModelType(modelType).orElseThrow();
    if (layerTypes.contains(ModelConfig.SLIDING_ATTENTION) && family.window() == ModelFamily.Window.NONE) {
      throw new ConfigException("sliding-window attention is not part of " + modelType + " in transformers"
          + " (families with it: " + java.util.Arrays.stream(ModelFamily.values())
              .filter(f -> f.window() != ModelFamily.Window.NONE).map(ModelFamily::modelType).toList() + ")");
    }
    if (family.window() == ModelFamily.Window.ALL_LAYERS && layerTypes.contains(ModelConfig.FULL_ATTENTION)
        && layerTypes.contains(ModelConfig.SLIDING_ATTENTION)) {
      throw new ConfigException(family.hfClass() + " slides every layer or none; layer_types " + layerTypes
          + " mixes them");
    }
  }

  /** Gemma 3's values: finite and non-negative, and only for the family that has them. */
  static void gemmaExtras(ModelFamily family, double localTheta, double scalar, double finalCap) {
    String[] keys = {"rope_local_base_freq", "query_pre_attn_scalar", "final_logit_softcapping"};
    double[] values = {localTheta, scalar, finalCap};
    for (int i = 0; i < keys.length; i++) {
      if (!(values[i] >= 0) || Double.isInfinite(values[i])) {
        throw new ConfigException(keys[i] + " must be positive and finite (or absent), got " + values[i]);
      }
      if (values[i] > 0 && family != ModelFamily.GEMMA3) {
        throw new ConfigException(keys[i] + " is a Gemma 3 setting; " + family.hfClass() + " has none");
      }
    }
  }
}
