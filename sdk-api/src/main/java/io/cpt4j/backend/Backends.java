package io.cpt4j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The available backends, found with {@link ServiceLoader}. Thread-safe. */
public final class Backends {
  private Backends() {}

  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  /** The CPU backend with one intra-op thread per available core. */
  public static Backend cpu() {
    return cpu(0);
  }

  /**
   * The CPU backend with {@code threads} intra-op threads (0 = available cores). PyTorch's
   * intra-op thread pool is process-wide: the count set by the last opened session applies to all.
   *
   * @throws BackendException if sdk-core is not on the class path
   */
  public static Backend cpu(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
    return require("cpu").create(0, threads);
  }

  /** The first GPU. */
  public static Backend gpu() {
    return gpu(0);
  }

  /**
   * The GPU with this index.
   *
   * @throws BackendException saying what is missing (sdk-gpu module, CUDA natives, driver, device)
   */
  public static Backend gpu(int deviceIndex) {
    return require("gpu").create(deviceIndex, 0);
  }

  /** The GPU if one is usable, else the CPU; logs which and why. */
  public static Backend auto() {
    Optional<BackendProvider> gpu = find("gpu");
    Optional<String> why = gpu.isPresent() ? gpu.get().unavailableReason() : Optional.of("sdk-gpu is not on the class path");
    if (why.isEmpty()) {
      Backend b = gpu.get().create(0, 0);
      LOG.info("cpt4j backend: " + b.description());
      return b;
    }
    Backend b = cpu();
    LOG.info("cpt4j backend: " + b.description() + " (no GPU: " + why.get() + ")");
    return b;
  }

  /**
   * The backend a spec names, as run files and the CLI write it: {@code cpu} (one thread per core),
   * {@code cpu:THREADS}, {@code gpu} (device 0), {@code gpu:INDEX} or {@code auto}.
   *
   * @throws IllegalArgumentException if {@code spec} is none of these
   * @throws BackendException if the named backend is missing or unavailable
   */
  public static Backend of(String spec) {
    if (spec == null || !spec.matches("cpu(:\\d+)?|gpu(:\\d+)?|auto")) {
      throw new IllegalArgumentException("backend must be cpu, cpu:THREADS, gpu, gpu:INDEX or auto, got '" + spec + "'");
    }
    String[] parts = spec.split(":");
    int arg = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    return switch (parts[0]) {
      case "cpu" -> cpu(arg);
      case "gpu" -> gpu(arg);
      default -> auto();
    };
  }

  /** Names of the registered providers, e.g. [cpu]. */
  public static List<String> registered() {
    List<String> names = new ArrayList<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      names.add(p.name());
    }
    return names;
  }

  private static Optional<BackendProvider> find(String name) {
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      if (p.name().equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static BackendProvider require(String name) {
    BackendProvider p = find(name).orElseThrow(() -> new BackendException("no '" + name + "' backend on the class path"
        + (name.equals("gpu") ? ": add io.cpt4j:sdk-gpu and the CUDA natives" : ": add io.cpt4j:sdk-core")));
    Optional<String> why = p.unavailableReason();
    if (why.isPresent()) {
      throw new BackendException("the " + name + " backend is unavailable: " + why.get());
    }
    return p;
  }
}
