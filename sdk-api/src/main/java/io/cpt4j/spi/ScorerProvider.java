package io.cpt4j.spi;

import io.cpt4j.backend.Backend;
import io.cpt4j.eval.Scorer;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link Scorer#open}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface ScorerProvider {
  /** A scorer for {@code model}; {@code backend} null: ONNX when the directory holds model.onnx, else the CPU. */
  Scorer open(Path model, Backend backend, Scorer.Options options);
}
