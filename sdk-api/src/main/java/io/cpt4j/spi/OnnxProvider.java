package io.cpt4j.spi;

import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OrtModel;
import java.nio.file.Path;
import java.util.List;

/**
 * Service-provider interface behind {@link OnnxExport} and {@link OrtModel}. {@code sdk-core}
 * registers the implementation in {@code META-INF/services}; users do not implement it.
 */
public interface OnnxProvider {
  /** Runs {@code export} into {@code directory}; returns the files written. */
  List<Path> export(OnnxExport export, Path directory);

  /** Loads an exported directory with {@code threads} intra-op threads (0: ONNX Runtime's default). */
  OrtModel load(Path directory, int threads);
}
