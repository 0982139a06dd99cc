package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Training checkpoints: {@code checkpoints/step-N/} holds the weights as an F32 Hugging Face
 * checkpoint (float32 masters written exactly, config and tokenizer copied from the base) and {@code
 * trainer-state/}: the optimizer state ({@link TrainingSession#saveState}) and {@code trainer.json}
 * (step, skipped steps, the sampler's state after the step's batches: {@code samplerState}, {@link
 * MixtureSampler#saveState} taken then, since the trainer draws a step ahead). The directory is
 * assembled under a hidden staging name and renamed into place, so {@code step-N} exists only when
 * complete.
 */
final class Checkpoints {
  private Checkpoints() {}

  static Path write(RunDirectory dir, long step, long tokens, TrainingSession session, Checkpoint base,
      String samplerState, long skipped) {
    Path target = dir.checkpoint(step);
    Path staging = AtomicFiles.temporarySibling(target, "staging");
    try {
      Files.createDirectories(dir.checkpoints());
      CheckpointWriter.to(staging).dtype(DType.F32).copyFilesFrom(base)
          .write(session.weights());
      Path state = staging.resolve(RunDirectory.TRAINER_STATE);
      session.saveState(state);
      ObjectNode json = RunConfigCodec.JSON.createObjectNode();
      json.put("format", "cpt4j-trainer-state").put("version", 1).put("step", step).put("skipped_steps", skipped)
          .put("tokens", tokens);
      json.set("sampler", RunConfigCodec.JSON.readTree(samplerState));
      AtomicFiles.write(state.resolve(RunDirectory.TRAINER_JSON),
          RunConfigCodec.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
      AtomicFiles.fsyncDirectory(state);
      if (Files.exists(target)) {
        AtomicFiles.deleteTree(target);
      }
      AtomicFiles.move(staging, target);
      AtomicFiles.fsyncDirectory(dir.checkpoints());
      return target;
    } catch (IOException e) {
      throw new TrainingException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
    } finally {
      try {
        if (Files.exists(staging)) {
          AtomicFiles.deleteTree(staging);
        }
      } catch (IOException ignored) {
        // a leftover staging directory is hidden and removed by the next prune
      }
    }
  }

  /** The trainer.json of a complete checkpoint. */
  static JsonNode readState(Path checkpoint) {
    Path file = checkpoint.resolve(RunDirectory.TRAINER_STATE).resolve(RunDirectory.TRAINER_JSON);
    try {
      JsonNode n = RunConfigCodec.JSON.readTree(file.toFile());
      if (!"cpt4j-trainer-state".equals(n.path("format").asText()) || !n.has("step") || !n.has("sampler")) {
        throw new TrainingException(file + " is not a cpt4j trainer state");
      }
      return n;
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
