package io.cpt4j.train;

import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.tokenize.TestTokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** A tiny base model with a tokenizer, and two small corpora, for trainer tests. */
final class TrainFixtures {
  private TrainFixtures() {}

  static final ModelConfig CONFIG = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizers.VOCAB_SIZE)
      .hiddenSize(16).intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
      .eosTokenIds(List.of(TestTokenizers.END_OF_TEXT_ID)).build();

  /** {@code root/base} (checkpoint + tokenizer.json), {@code root/code} (text files), {@code root/general.jsonl}. */
  static Path write(Path root) {
    try {
      Path base = root.resolve("base");
      try (Checkpoint c = TestSessions.tinyCheckpoint(base, CONFIG, 5)) {
        TestTokenizers.writeByteLevelBpe(base.resolve("tokenizer.json"));
      }
      Path code = Files.createDirectories(root.resolve("code"));
      Random r = new Random(3);
      for (int i = 0; i < 40; i++) {
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < 3 + r.nextInt(6); j++) {
          b.append("int x").append(r.nextInt(10)).append(" = ").append(r.nextInt(100)).append(";\n");
        }
        Files.writeString(code.resolve("f" + i + ".java"), b);
      }
      String[] words = {"hello", "world", "the", "people", "of", "our", "nation", "and", "we", "will"};
      StringBuilder g = new StringBuilder();
      for (int i = 0; i < 60; i++) {
        StringBuilder t = new StringBuilder();
        for (int j = 0; j < 8 + r.nextInt(20); j++) {
          t.append(j == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
        }
        g.append("{\"text\": \"").append(t).append(".\"}\n");
      }
      Files.writeString(root.resolve("general.jsonl"), g);
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The YAML run file of the standard tiny run into {@code output}. */
  static Path runFile(Path root, Path output, long steps, long checkpointEvery) {
    String yaml = """
        base: base
        output: %s
        data_cache: cache
        backend: "cpu:2"
        schedule: {type: warmup-decay, max_lr: 0.01, warmup_steps: 2, shape: cosine, min_lr: 0.001}
        mixture:
          seed: 7
          sources:
            - {name: code, text: code, weight: 0.7}
            - {name: general, jsonl: general.jsonl, field: text, weight: 0.3, replay: true}
        validation:
          code: {text: code}
          general: {jsonl: general.jsonl}
        steps: %d
        sequence_length: 16
        batch_tokens: 64
        micro_batch_tokens: 32
        evaluate_every: 4
        checkpoint_every: %d
        keep_last_checkpoints: 2
        validation_tokens: 128
        """.formatted(output, steps, checkpointEvery);
    try {
      return Files.writeString(root.resolve("run-" + output.getFileName() + ".yaml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
