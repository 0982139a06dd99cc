package io.cpt4j.libtorch.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/** The libtorch named by CPT4J_LIBTORCH, loaded once; tests that need it are skipped without it. */
final class Torch {
  private static Optional<LibTorch> loaded;

  private Torch() {}

  static synchronized LibTorch require() {
    if (loaded == null) {
      loaded = LibTorch.fromEnvironment();
    }
    assumeTrue(loaded.isPresent(), "no libtorch: set " + LibTorch.LOCATION
        + " (environment or -D) to a torch wheel's torch/lib directory to run the libtorch tests");
    return loaded.get();
  }
}
