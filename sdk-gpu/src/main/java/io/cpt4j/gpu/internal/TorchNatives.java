package io.cpt4j.gpu.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Which PyTorch natives DJL will load, found without loading them: {@code PYTORCH_LIBRARY_PATH}
 * (an existing libtorch) if set, else the {@code native/lib/pytorch.properties} of every
 * {@code pytorch-native-*} jar on the class path (their {@code flavor}: {@code cpu}, {@code cu124},
 * ...), and {@code PYTORCH_FLAVOR} if it forces one.
 */
final class TorchNatives {
  static final String CUDA_ARTIFACT = "ai.djl.pytorch:pytorch-native-cu124:2.5.1:linux-x86_64";

  private TorchNatives() {}

  /** Empty if CUDA natives are available to DJL, else what is missing and how to add it. */
  static Optional<String> problem(Function<String, String> env, List<String> classPathFlavors) {
    String override = env.apply("PYTORCH_LIBRARY_PATH");
    if (override != null && !override.isBlank()) {
      Path dir = Path.of(override);
      if (!Files.isDirectory(dir)) {
        return Optional.of("PYTORCH_LIBRARY_PATH=" + override + " is not a directory");
      }
      if (!Files.exists(dir.resolve("libtorch_cuda.so"))) {
        return Optional.of("PYTORCH_LIBRARY_PATH=" + override + " holds no libtorch_cuda.so (a CPU-only libtorch)");
      }
      return Optional.empty();
    }
    String forced = env.apply("PYTORCH_FLAVOR");
    if (forced != null && !forced.isBlank() && !forced.startsWith("cu")) {
      return Optional.of("PYTORCH_FLAVOR=" + forced + " makes DJL load CPU natives");
    }
    if (classPathFlavors.stream().noneMatch(f -> f.startsWith("cu"))) {
      return Optional.of("no CUDA natives on the class path (found PyTorch natives: "
          + (classPathFlavors.isEmpty() ? "none" : String.join(", ", classPathFlavors)) + "): add " + CUDA_ARTIFACT
          + " (runtime scope; ./mvnw -P cuda in this project) or set PYTORCH_LIBRARY_PATH to a CUDA libtorch 2.5.1");
    }
    return Optional.empty();
  }

  /** The real environment and class path. */
  static Optional<String> problem() {
    return problem(TorchNatives::envOrProperty, classPathFlavors(TorchNatives.class.getClassLoader()));
  }

  /** DJL reads these settings from the environment or system properties. */
  static String envOrProperty(String key) {
    String v = System.getProperty(key);
    return v != null ? v : System.getenv(key);
  }

  /** Flavors of the PyTorch native jars visible to {@code loader}, e.g. [cpu] or [cpu, cu124]. */
  static List<String> classPathFlavors(ClassLoader loader) {
    List<String> flavors = new ArrayList<>();
    try {
      for (URL url : Collections.list(loader.getResources("native/lib/pytorch.properties"))) {
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
          p.load(in);
        }
        flavors.add(p.getProperty("flavor", "unknown"));
      }
    } catch (IOException e) {
      flavors.add("unreadable (" + e.getMessage() + ")");
    }
    return flavors;
  }

  /** For messages: the settings that steer DJL's choice, as set here. */
  static Map<String, String> settings() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String k : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "PYTORCH_VERSION")) {
      String v = envOrProperty(k);
      if (v != null) {
        m.put(k, v);
      }
    }
    return m;
  }
}
