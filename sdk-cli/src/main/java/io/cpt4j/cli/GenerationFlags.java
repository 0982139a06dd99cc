package io.cpt4j.cli;

import io.cpt4j.onnx.Generation;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The decoding flags of {@code generate} and {@code chat}. Each is unset by default and then takes
 * the model's generation_config.json value ({@link io.cpt4j.onnx.OrtModel#generationDefaults()}).
 */
final class GenerationFlags {
  @Option(names = "--max-new-tokens", paramLabel = "N",
      description = "Most tokens to generate (default: generation_config.json's max_new_tokens, else 128).")
  Integer maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T",
      description = "0 for greedy decoding, else the sampling temperature (default: generation_config.json).")
  Double temperature;

  @Option(names = "--top-k", paramLabel = "K",
      description = "Sample among the K most likely tokens; 0 = all (default: generation_config.json).")
  Integer topK;

  @Option(names = "--top-p", paramLabel = "P",
      description = "Sample among the most likely tokens whose probabilities sum to P (default: generation_config.json).")
  Double topP;

  @Option(names = "--repetition-penalty", paramLabel = "R",
      description = "transformers' repetition_penalty; 1.0 = off (default: generation_config.json, else 1.0).")
  Double repetitionPenalty;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed;

  /** {@code defaults} with every flag that was given put over it. */
  Generation over(Generation defaults, CommandSpec spec) {
    try {
      Generation.Builder g = defaults.newBuilder().seed(seed);
      if (maxNewTokens != null) {
        g.maxNewTokens(maxNewTokens);
      }
      if (temperature != null) {
        g.temperature(temperature);
      }
      if (topK != null) {
        g.topK(topK);
      }
      if (topP != null) {
        g.topP(topP);
      }
      if (repetitionPenalty != null) {
        g.repetitionPenalty(repetitionPenalty);
      }
      return g.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
