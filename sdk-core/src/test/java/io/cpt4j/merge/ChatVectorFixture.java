package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes base, instruct and CPT checkpoints with Qwen2.5-0.5B-Instruct's real metadata (random
 * weights of a tiny Qwen2 with the real vocabulary) and their chat-vector merge to {@code
 * args[0]/out}, for {@code real-models/check_chat_vector.py} to load in transformers (see the README
 * there). Not a test: run by hand.
 */
public final class ChatVectorFixture {
  private ChatVectorFixture() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path instruct = Path.of("sdk-core/src/test/resources/real-models/qwen2.5-0.5b-instruct");
    String[] names = {"base", "instruct", "cpt"};
    Checkpoint[] c = new Checkpoint[3];
    for (int i = 0; i < 3; i++) {
      ModelConfig config = TestCheckpoints.tinyQwen2().newBuilder().vocabSize(151936).bosTokenId(151643)
          .eosTokenIds(List.of(i == 1 ? 151645 : 151643)).build();
      Path dir = root.resolve(names[i]);
      c[i] = MergeFixtures.random(dir, config, i + 1);
      Files.copy(instruct.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
      if (i == 1) {
        Files.copy(instruct.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.copy(instruct.resolve("generation_config.json"), dir.resolve("generation_config.json"));
      }
    }
    Merge.builder(new MergeMethod.ChatVector(), c[0]).model(c[1]).onto(c[2]).build().writeTo(root.resolve("out"));
    for (Checkpoint ckpt : c) {
      ckpt.close();
    }
    System.out.println("wrote " + root.resolve("out"));
  }
}
