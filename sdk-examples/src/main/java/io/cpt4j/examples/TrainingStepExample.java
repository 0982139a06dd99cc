package io.cpt4j.examples;

import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's training snippet: open a checkpoint on the CPU backend, take optimizer steps on one
 * batch, save the weights as a new checkpoint. Run: {@code TrainingStepExample [CHECKPOINT] [OUT]}.
 */
public final class TrainingStepExample {
  private TrainingStepExample() {}

  public static void main(String[] args) {
    Path in = Path.of(args.length > 0 ? args[0] : "sdk-quickstart/target/models/tiny-llama");
    Path out = Path.of(args.length > 1 ? args[1] : "sdk-examples/target/tiny-llama-steps");
    try (Checkpoint base = Checkpoint.open(in);
        TrainingSession session = Backends.cpu().open(base, SessionOptions.defaults())) {
      Batch batch = Batch.causalLm(new int[][] {{262, 116, 257, 32, 99, 97, 116}});
      System.out.printf("loss before: %.4f%n", session.loss(batch));
      for (int i = 0; i < 20; i++) {
        StepResult r = session.step(List.of(batch), 3e-3);
        if (i % 5 == 4) {
          System.out.printf("step %d: loss %.4f, grad norm %.3f%n", i + 1, r.loss(), r.gradNorm());
        }
      }
      CheckpointWriter.to(out).copyFilesFrom(base).overwrite(true).write(session.weights());
      System.out.println("saved " + out);
    }
  }
}
