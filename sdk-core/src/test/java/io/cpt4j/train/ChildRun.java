package io.cpt4j.train;

import java.nio.file.Path;

/**
 * A training run in its own JVM for the kill-and-resume test: {@code ChildRun RUN_FILE SLEEP_MS}
 * trains from the YAML run file, sleeping after every step so the test can kill it mid-run.
 */
public final class ChildRun {
  private ChildRun() {}

  public static void main(String[] args) throws InterruptedException {
    long sleep = Long.parseLong(args[1]);
    ContinualPretrainer.fromYaml(Path.of(args[0])).listener(new TrainingListener() {
      @Override
      public void onStep(StepEvent event) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }).train();
  }
}
