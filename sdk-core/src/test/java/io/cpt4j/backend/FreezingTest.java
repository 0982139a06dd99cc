package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter freezing: frozen tensors stay bit-identical, trainable ones take exactly the update
 * they take when everything trains (AdamW is element-wise; clipping off), the optimizer state
 * holds only trainable moments, resume stays exact, and bad selections are refused.
 */
class FreezingTest {
  private static final ModelConfig CONFIG = TestCheckpoints.tinyLlamaGqa();
  private static final AdamW NO_CLIP = AdamW.builder().maxGradNorm(0).build();
  @TempDir Path tmp;

  private static Map<String, float[]> byName(List<Tensor> tensors) {
    Map<String, float[]> m = new LinkedHashMap<>();
    tensors.forEach(t -> m.put(t.info().name(), t.toFloatArray()));
    return m;
  }

  private Map<String, float[]> afterSteps(Checkpoint ckpt, SessionOptions options, int steps) {
    try (TrainingSession s = Backends.cpu().open(ckpt, options)) {
      for (int i = 0; i < steps; i++) {
        s.step(List.of(TestSessions.randomBatch(CONFIG.vocabSize(), 2, 12, i)), 1e-2);
      }
      return byName(s.weights());
    }
  }

  @Test
  void frozenTensorsStayBitIdenticalAndTrainableOnesTakeTheFullTrainingUpdate() {
    Trainable newBlock = Trainable.layers(1);
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 1)) {
      Map<String, float[]> before = byName(ckpt.tensors().stream().map(i -> ckpt.tensor(i.name())).toList());
      SessionOptions all = SessionOptions.builder().optimizer(NO_CLIP).build();
      Map<String, float[]> full = afterSteps(ckpt, all, 1);
      Map<String, float[]> frozen = afterSteps(ckpt, all.newBuilder().trainable(newBlock).build(), 1);
      int trained = 0;
      for (String name : before.keySet()) {
        if (newBlock.test(name)) {
          trained++;
          assertThat(frozen.get(name)).as(name).isEqualTo(full.get(name)).isNotEqualTo(before.get(name));
        } else {
          assertThat(frozen.get(name)).as(name).isEqualTo(before.get(name));
        }
      }
      assertThat(trained).isGreaterThan(5);
      Map<String, float[]> threeSteps = afterSteps(ckpt, all.newBuilder().trainable(newBlock).build(), 3);
      before.forEach((name, w) -> {
        if (!newBlock.test(name)) {
          assertThat(threeSteps.get(name)).as(name).isEqualTo(w);
        }
      });
    }
  }

  @Test
  void activationCheckpointingSkipsFrozenLowerLayersAndGivesTheSameUpdate() {
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 2)) {
      SessionOptions top = SessionOptions.builder().trainable(Trainable.matching(".*\\.layers\\.1\\..*\\.weight",
          "model\\.norm\\.weight")).build();
      Map<String, float[]> plain = afterSteps(ckpt, top, 2);
      Map<String, float[]> checkpointed = afterSteps(ckpt, top.newBuilder().activationCheckpointing(true).build(), 2);
      plain.forEach((name, w) -> assertThat(checkpointed.get(name)).as(name).usingComparatorWithPrecision(1e-6f)
          .containsExactly(w));
      Map<String, float[]> embeddings = afterSteps(ckpt, top.newBuilder().activationCheckpointing(true)
          .trainable(Trainable.matching(Trainable.EMBEDDINGS)).build(), 1);
      assertThat(embeddings.get("model.embed_tokens.weight")).isNotEqualTo(plain.get("model.embed_tokens.weight"));
    }
  }

  @Test
  void theOptimizerStateHoldsOnlyTrainableMomentsAndResumesExactly() {
    SessionOptions options = SessionOptions.builder().trainable(Trainable.matching(".*\\.mlp\\..*")).build();
    Path state = tmp.resolve("state");
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 3)) {
      Map<String, float[]> straight = afterSteps(ckpt, options, 4);
      try (TrainingSession s = Backends.cpu().open(ckpt, options)) {
        for (int i = 0; i < 2; i++) {
          s.step(List.of(TestSessions.randomBatch(CONFIG.vocabSize(), 2, 12, i)), 1e-2);
        }
        s.saveState(state);
        CheckpointWriter.to(tmp.resolve("half")).copyFilesFrom(ckpt).write(s.weights());
      }
      try (TensorStore moments = Safetensors.open(state.resolve("optimizer.safetensors"))) {
        assertThat(moments.tensors()).extracting(TensorInfo::name).isNotEmpty()
            .allMatch(n -> n.contains(".mlp."));
      }
      try (Checkpoint half = Checkpoint.open(tmp.resolve("half"));
          TrainingSession s = Backends.cpu().open(half, ckpt, options)) {
        s.restoreState(state);
        for (int i = 2; i < 4; i++) {
          s.step(List.of(TestSessions.randomBatch(CONFIG.vocabSize(), 2, 12, i)), 1e-2);
        }
        Map<String, float[]> resumed = byName(s.weights());
        straight.forEach((name, w) -> assertThat(resumed.get(name)).as(name).isEqualTo(w));
      }
      try (Checkpoint half = Checkpoint.open(tmp.resolve("half"));
          TrainingSession s = Backends.cpu().open(half, SessionOptions.defaults())) {
        assertThatThrownBy(() -> s.restoreState(state)).isInstanceOf(BackendException.class)
            .hasMessageContaining("was saved with trainable parameters = [.*\\.mlp\\..*], this session has all");
      }
    }
  }

  @Test
  void aPatternThatMatchesNothingIsRefusedBeforeAnyWork() {
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 4)) {
      assertThatThrownBy(() -> Backends.cpu().open(ckpt, SessionOptions.builder()
          .trainable(Trainable.matching("model\\.layer\\.1\\..*")).build()))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("trainable parameters: trainable pattern 'model\\.layer\\.1\\..*' matches no parameter");
      assertThatThrownBy(() -> Backends.cpu().open(ckpt, SessionOptions.builder().trainable(Trainable.layers(7))
          .build())).isInstanceOf(BackendException.class).hasMessageContaining("matches no parameter");
    }
  }
}
