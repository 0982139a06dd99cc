package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optimizer-state files: their documented layout, and clear refusals of state that does not fit. */
class SessionStateFilesTest {
  @TempDir Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SessionOptions FP16 = SessionOptions.builder().precision(Precision.FP16_MIXED)
      .lossScaling(LossScaling.builder().initialScale(1024).growthInterval(5).build()).build();

  /** Saves the state of a session on {@code config} after {@code steps} steps into {@code dir}. */
  private Path saved(ModelConfig config, SessionOptions options, int steps, String dir) {
    Path state = tmp.resolve(dir);
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve(dir + "-model"), config, 1);
        TrainingSession s = Backends.cpu(2).open(ckpt, options)) {
      for (int i = 0; i < steps; i++) {
        s.step(List.of(TestSessions.randomBatch(config.vocabSize(), 2, 8, i)), 1e-3);
      }
      s.saveState(state);
    }
    return state;
  }

  /** Opens a session on a fresh tiny checkpoint of {@code config} and restores {@code state} into it. */
  private void restore(ModelConfig config, SessionOptions options, Path state) {
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(Files.createTempDirectory(tmp, "m"), config, 1);
        TrainingSession s = Backends.cpu(2).open(ckpt, options)) {
      try {
        s.restoreState(state);
      } finally {
        assertThat(s.steps()).as("steps of a session whose restore failed").isZero();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theStateHoldsBothMomentsOfEveryParameterAndTheScalarsAsDocumented() throws IOException {
    ModelConfig config = TestCheckpoints.tinyLlamaTied();
    Path state = saved(config, FP16, 3, "layout");
    assertThat(state.resolve("optimizer.json")).exists();
    try (TensorStore moments = Safetensors.open(state.resolve("optimizer.safetensors"))) {
      List<String> expected = new ArrayList<>();
      for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
        expected.add("exp_avg." + e.getKey());
        expected.add("exp_avg_sq." + e.getKey());
        assertThat(moments.tensor("exp_avg_sq." + e.getKey()).shape()).isEqualTo(e.getValue());
      }
      assertThat(moments.tensors()).extracting(TensorInfo::name).containsExactlyElementsOf(expected);
      assertThat(moments.tensors()).extracting(TensorInfo::dtype).containsOnly(DType.F32);
      assertThat(moments.metadata()).containsEntry("format", "pt").containsEntry("steps", "3").containsKey("save_id");
      float[] v = moments.tensor("exp_avg_sq.model.norm.weight").toFloatArray();
      for (float x : v) {
        assertThat(x).isGreaterThanOrEqualTo(0f);
      }
      assertThat(v).isNotEqualTo(new float[v.length]);
    }
    JsonNode json = JSON.readTree(state.resolve("optimizer.json").toFile());
    assertThat(json.get("format").asText()).isEqualTo("cpt4j-optimizer-state");
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.get("steps").asLong()).isEqualTo(3);
    assertThat(json.get("precision").asText()).isEqualTo("FP16_MIXED");
    assertThat(json.get("optimizer").get("beta2").asDouble()).isEqualTo(0.95);
    assertThat(json.get("loss_scaling").get("growth_interval").asInt()).isEqualTo(5);
    assertThat(json.get("loss_scale").asDouble()).isEqualTo(1024.0);
    assertThat(json.get("clean_steps").asInt()).isEqualTo(3);
    assertThat(json.get("moments").asText()).isEqualTo("optimizer.safetensors");
    try (TensorStore moments = Safetensors.open(state.resolve("optimizer.safetensors"))) {
      assertThat(moments.metadata().get("save_id")).isEqualTo(json.get("save_id").asText());
    }
  }

  @Test
  void beforeTheFirstStepTheMomentsAreZerosAndTheStepCountZero() throws IOException {
    Path state = saved(TestCheckpoints.tinyLlama(), SessionOptions.defaults(), 0, "fresh");
    try (TensorStore moments = Safetensors.open(state.resolve("optimizer.safetensors"))) {
      for (TensorInfo t : moments.tensors()) {
        assertThat(moments.tensor(t.name()).toFloatArray()).as(t.name()).containsOnly(0f);
      }
    }
    JsonNode json = JSON.readTree(state.resolve("optimizer.json").toFile());
    assertThat(json.get("steps").asLong()).isZero();
    assertThat(json.get("loss_scale").asDouble()).isEqualTo(1.0);
  }

  @Test
  void savingAgainReplacesTheFilesAndLeavesNoTemporaries() throws IOException {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path state = saved(config, SessionOptions.defaults(), 1, "again");
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("again-2"), config, 1);
        TrainingSession s = Backends.cpu(2).open(ckpt, SessionOptions.defaults())) {
      s.step(List.of(TestSessions.randomBatch(config.vocabSize(), 2, 8, 0)), 1e-3);
      s.step(List.of(TestSessions.randomBatch(config.vocabSize(), 2, 8, 1)), 1e-3);
      s.saveState(state);
    }
    try (var files = Files.list(state)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("optimizer.json", "optimizer.safetensors");
    }
    assertThat(JSON.readTree(state.resolve("optimizer.json").toFile()).get("steps").asLong()).isEqualTo(2);
  }

  @Test
  void stateOfAnotherModelIsRefusedNamingTheParameter() {
    Path state = saved(TestCheckpoints.tinyNeox(), SessionOptions.defaults(), 1, "neox");
    assertThatThrownBy(() -> restore(TestCheckpoints.tinyLlama(), SessionOptions.defaults(), state))
        .isInstanceOf(BackendException.class).hasMessageContaining("optimizer.safetensors")
        .hasMessageContaining("does not match this session's model").hasMessageContaining("exp_avg.model.");
  }

  @Test
  void stateOfTheSameArchitectureWithOtherShapesIsRefused() {
    ModelConfig small = TestCheckpoints.tinyLlama();
    ModelConfig wider = small.newBuilder().intermediateSize(small.intermediateSize() * 2).build();
    Path state = saved(small, SessionOptions.defaults(), 1, "small");
    assertThatThrownBy(() -> restore(wider, SessionOptions.defaults(), state))
        .isInstanceOf(BackendException.class).hasMessageContaining("mlp").hasMessageContaining("the parameter is F32");
  }

  @Test
  void stateOfAnotherPrecisionOrOtherSettingsIsRefusedNamingTheSetting() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path fp32 = saved(config, SessionOptions.defaults(), 1, "fp32");
    assertThatThrownBy(() -> restore(config, FP16, fp32)).isInstanceOf(BackendException.class)
        .hasMessageContaining("precision = FP32, this session has FP16_MIXED");
    assertThatThrownBy(() -> restore(config, SessionOptions.builder()
        .optimizer(AdamW.builder().weightDecay(0).build()).build(), fp32)).isInstanceOf(BackendException.class)
        .hasMessageContaining("weight_decay = 0.1, this session has 0.0");
    Path fp16 = saved(config, FP16, 1, "fp16");
    SessionOptions otherScaling = FP16.newBuilder()
        .lossScaling(FP16.lossScaling().newBuilder().growthInterval(6).build()).build();
    assertThatThrownBy(() -> restore(config, otherScaling, fp16))
        .isInstanceOf(BackendException.class).hasMessageContaining("growth_interval = 5, this session has 6");
  }

  @Test
  void aMissingTruncatedOrCorruptFileIsNamed() throws IOException {
    ModelConfig config = TestCheckpoints.tinyLlama();
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), tmp.resolve("nowhere")))
        .isInstanceOf(BackendException.class).hasMessageContaining("optimizer.json")
        .hasMessageContaining("no such file");

    Path truncated = saved(config, SessionOptions.defaults(), 1, "truncated");
    Path moments = truncated.resolve("optimizer.safetensors");
    byte[] bytes = Files.readAllBytes(moments);
    Files.write(moments, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), truncated))
        .isInstanceOf(BackendException.class).hasMessageContaining(moments.toString());

    Path garbled = saved(config, SessionOptions.defaults(), 1, "garbled");
    Files.write(garbled.resolve("optimizer.safetensors"), "not a safetensors file".getBytes());
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), garbled))
        .isInstanceOf(BackendException.class).hasMessageContaining(garbled.resolve("optimizer.safetensors").toString());

    Path cut = saved(config, SessionOptions.defaults(), 1, "cut");
    Path json = cut.resolve("optimizer.json");
    String text = Files.readString(json);
    Files.writeString(json, text.substring(0, text.length() / 2));
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), cut))
        .isInstanceOf(BackendException.class).hasMessageContaining(json.toString()).hasMessageContaining("JSON");

    Files.writeString(json, "{}");
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), cut))
        .isInstanceOf(BackendException.class).hasMessageContaining(json.toString()).hasMessageContaining("format");
  }

  @Test
  void filesOfTwoDifferentSavesAreNotMixed() throws IOException {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path one = saved(config, SessionOptions.defaults(), 1, "one");
    Path two = saved(config, SessionOptions.defaults(), 2, "two");
    // an interrupted save: the new moments are in place, the JSON is still the old one
    Files.copy(two.resolve("optimizer.safetensors"), one.resolve("optimizer.safetensors"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), one))
        .isInstanceOf(BackendException.class).hasMessageContaining("different saves");
    ObjectNode json = (ObjectNode) JSON.readTree(two.resolve("optimizer.json").toFile());
    json.put("moments", "../one/optimizer.safetensors");
    JSON.writeValue(two.resolve("optimizer.json").toFile(), json);
    assertThatThrownBy(() -> restore(config, SessionOptions.defaults(), two))
        .isInstanceOf(BackendException.class).hasMessageContaining("outside its directory");
  }

  @Test
  void aClosedSessionRefusesToSaveOrRestore() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path state = saved(config, SessionOptions.defaults(), 0, "closed");
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("closed-m"), config, 1)) {
      TrainingSession s = Backends.cpu(2).open(ckpt, SessionOptions.defaults());
      s.close();
      assertThatThrownBy(() -> s.saveState(state)).isInstanceOf(BackendException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> s.restoreState(state)).isInstanceOf(BackendException.class)
          .hasMessageContaining("closed");
    }
  }
}
