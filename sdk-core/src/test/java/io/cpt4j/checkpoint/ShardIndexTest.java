package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json} must name exactly the tensors each
 * shard holds, with plain shard file names. Each defect is reported through both {@link
 * Safetensors#open} (on the index) and {@link Checkpoint#open} (on the directory).
 */
class ShardIndexTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path dir;
  private Path index;
  private List<String> shards;

  @BeforeEach
  void writeShardedCheckpoint() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    dir = tmp.resolve("ckpt");
    CheckpointWriter.to(dir).config(config).maxShardSize(4000).write(TestCheckpoints.randomTensors(config, 1));
    index = dir.resolve("model.safetensors.index.json");
    shards = TestCheckpoints.list(dir).stream().filter(n -> n.endsWith(".safetensors")).toList();
    assertThat(shards).hasSizeGreaterThan(3).allMatch(n -> n.matches("model-\\d{5}-of-\\d{5}\\.safetensors"));
  }

  private ObjectNode indexJson() throws Exception {
    return (ObjectNode) JSON.readTree(index.toFile());
  }

  private ObjectNode weightMap(ObjectNode root) {
    return (ObjectNode) root.get("weight_map");
  }

  private void rewriteIndex(Consumer<ObjectNode> change) throws Exception {
    ObjectNode root = indexJson();
    change.accept(root);
    JSON.writeValue(index.toFile(), root);
  }

  private void assertBroken(Class<? extends CheckpointException> type, String... fragments) {
    assertThatThrownBy(() -> Safetensors.open(index).close())
        .isExactlyInstanceOf(type).hasMessageContainingAll(fragments);
    assertThatThrownBy(() -> Checkpoint.open(dir).close())
        .isExactlyInstanceOf(type).hasMessageContainingAll(fragments);
  }

  @Test
  void anIntactIndexOpensAsOneStore() {
    try (TensorStore store = Safetensors.open(index); Checkpoint c = Checkpoint.open(dir)) {
      assertThat(store.files()).hasSize(shards.size());
      assertThat(store.tensors()).isEqualTo(c.tensors());
      assertThat(store.metadata()).containsEntry("format", "pt");
      assertThat(store.contains("lm_head.weight")).isTrue();
      assertThatThrownBy(() -> store.tensor("nope")).isInstanceOf(CheckpointException.class).hasMessageContaining("'nope'");
    }
  }

  @Test
  void anIndexWithoutWeightMapIsRejected() throws Exception {
    rewriteIndex(root -> root.remove("weight_map"));
    assertBroken(MalformedCheckpointException.class, "model.safetensors.index.json", "no weight_map");
  }

  @Test
  void anEmptyWeightMapIsRejected() throws Exception {
    rewriteIndex(root -> root.putObject("weight_map"));
    assertBroken(MalformedCheckpointException.class, "model.safetensors.index.json", "no weight_map");
  }

  @Test
  void aShardNameWithASlashIsRejected() throws Exception {
    rewriteIndex(root -> weightMap(root).put("model.norm.weight", "../ckpt/" + shards.getLast()));
    assertBroken(MalformedCheckpointException.class, "model.norm.weight", "plain file names");
  }

  @Test
  void aShardNameWithABackslashOrDotsIsRejected() throws Exception {
    rewriteIndex(root -> weightMap(root).put("model.norm.weight", "..\\" + shards.getLast()));
    assertBroken(MalformedCheckpointException.class, "plain file names");
    rewriteIndex(root -> weightMap(root).put("model.norm.weight", ".."));
    assertBroken(MalformedCheckpointException.class, "plain file names");
  }

  @Test
  void aShardNameThatIsNotAStringIsRejected() throws Exception {
    rewriteIndex(root -> weightMap(root).put("model.norm.weight", 3));
    assertBroken(MalformedCheckpointException.class, "model.norm.weight", "not a file name");
  }

  @Test
  void aTensorListedInTheWrongShardIsRejected() throws Exception {
    String embedShard = indexJson().get("weight_map").get("model.embed_tokens.weight").asText();
    rewriteIndex(root -> weightMap(root).put("model.norm.weight", embedShard));
    assertBroken(MalformedCheckpointException.class, "model.norm.weight", embedShard);
  }

  @Test
  void aTensorTheWeightMapListsButNoShardHoldsIsRejected() throws Exception {
    rewriteIndex(root -> weightMap(root).put("ghost.weight", shards.getFirst()));
    assertBroken(MalformedCheckpointException.class, "ghost.weight", "does not hold it");
  }

  @Test
  void aTensorAShardHoldsButTheWeightMapOmitsIsRejected() throws Exception {
    rewriteIndex(root -> weightMap(root).remove("model.norm.weight"));
    assertBroken(MalformedCheckpointException.class, "model.norm.weight", "does not list");
  }

  @Test
  void aMissingShardFileIsReportedByName() throws Exception {
    Files.delete(dir.resolve(shards.get(2)));
    assertBroken(MalformedCheckpointException.class, shards.get(2), "is missing");
  }

  @Test
  void aMalformedShardIsReportedByName() throws Exception {
    Files.write(dir.resolve(shards.get(1)), new byte[] {1, 2, 3});
    assertBroken(MalformedCheckpointException.class, shards.get(1), "truncated");
  }

  @Test
  void anIndexThatIsNotJsonIsRejected() throws Exception {
    Files.writeString(index, "{\"weight_map\": {");
    assertBroken(MalformedCheckpointException.class, "model.safetensors.index.json", "not a valid JSON index");
    Files.writeString(index, "[]");
    assertBroken(MalformedCheckpointException.class, "not a JSON object");
  }

  @Test
  void contentAfterTheIndexObjectIsRejected() throws Exception {
    Files.writeString(index, Files.readString(index) + " {\"weight_map\": {}}");
    assertBroken(MalformedCheckpointException.class, "not a valid JSON index");
  }

  @Test
  void duplicateKeysInTheIndexAreRejected() throws Exception {
    Files.writeString(index, "{\"weight_map\": {\"a\": \"model-00001-of-00006.safetensors\", "
        + "\"a\": \"model-00002-of-00006.safetensors\"}}");
    assertBroken(MalformedCheckpointException.class, "Duplicate");
  }

  @Test
  void aMissingIndexFileIsACheckpointException() {
    assertThatThrownBy(() -> Safetensors.open(tmp.resolve("absent.safetensors.index.json")))
        .isExactlyInstanceOf(CheckpointException.class).hasMessageContaining("no such file");
  }

  @Test
  void shardsNotListedInTheIndexAreIgnored() throws Exception {
    Files.copy(dir.resolve(shards.getFirst()), dir.resolve("stray.safetensors"));
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.files()).extracting(p -> p.getFileName().toString()).doesNotContain("stray.safetensors");
      assertThat(c.files()).hasSize(shards.size());
    }
  }

  @Test
  void theIndexTakesPrecedenceOverASingleFile() throws Exception {
    Files.write(dir.resolve("model.safetensors"), new byte[] {0});
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.files()).hasSize(shards.size());
    }
    List<String> names = TestCheckpoints.list(dir);
    assertThat(names).contains("model.safetensors");
  }
}
