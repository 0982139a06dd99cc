package io.cpt4j.onnx.internal;

import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.spi.OnnxProvider;
import java.nio.file.Path;
import java.util.List;

/** The sdk-core {@link OnnxProvider}: graph export and ONNX Runtime inference. */
public final class CoreOnnxProvider implements OnnxProvider {
  @Override
  public List<Path> export(OnnxExport export, Path directory) {
    return OnnxExporter.export(export, directory);
  }

  @Override
  public OrtModel load(Path directory, int threads) {
    return new OrtDecoderModel(directory, threads);
  }
}
