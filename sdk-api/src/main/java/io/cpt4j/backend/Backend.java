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
  default TrainingSession open(Checkpoint checkpoint, SessionOptions options) {
    return open(checkpoint, checkpoint, options);
  }

  /**
   * Opens a session on {@code checkpoint}'s weights whose regularizers ({@link
   * SessionOptions#regularizers()}) hold it near {@code reference}: the run's base model, which on a
   * resumed run differs from the checkpoint resumed from. The reference is read only if a
   * regularizer needs it; it must have the checkpoint's architecture.
   *
   * @throws io.cpt4j.checkpoint.CheckpointException if the weights cannot be read
   * @throws BackendException if the device cannot hold or run the model, the reference does not
   *     match it, or a trainable pattern matches no parameter
   */
  TrainingSession open(Checkpoint checkpoint, Checkpoint reference, SessionOptions options);
}
