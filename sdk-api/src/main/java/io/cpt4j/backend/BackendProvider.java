package io.cpt4j.backend;

import java.util.Optional;

/**
 * Service-provider interface for backends, registered in {@code META-INF/services}. Cheap to
 * construct: nothing native loads until {@link #create} is called. Implemented by sdk-core (cpu)
 * and sdk-gpu (gpu); users do not implement it.
 */
public interface BackendProvider {

  /** "cpu" or "gpu". */
  String name();

  /** Empty if usable here, else why not (driver, natives, device missing). */
  Optional<String> unavailableReason();

  /**
   * Creates the backend.
   *
   * @param device device index (GPU) or ignored (CPU)
   * @param threads intra-op threads, or 0 for the default (all available cores)
   */
  Backend create(int device, int threads);
}
