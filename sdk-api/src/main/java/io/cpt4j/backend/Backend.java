package io.cpt4j.backend;

import io.cpt4j.checkpoint.Checkpoint;

/**
 * Where training runs (CPU, a GPU). Obtain one from {@link Backends}. Thread-safe; sessions are not.
 */
public interface Backend {

  /** Short name: "cpu", "gpu". */
  String name();

  /** Human description of the device, e.g. "cpu (2 threads, PyTorch 2.5.1)". */
  String description();

  /**
   * Loads the checkpoint's weights (widened to float32) and opens a session.
   *
   * @throws io.cpt4j.checkpoint.CheckpointException if the weights cannot be read
   * @throws BackendException if the device cannot hold or run the model
   */
  TrainingSession open(Checkpoint checkpoint, SessionOptions options);
}
