package io.cpt4j.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.checkpoint.internal.CheckpointFiles;
import io.cpt4j.checkpoint.internal.HfConfigCodec;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OnnxExport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an {@link OnnxExport}: builds the graph, writes {@code model.onnx} (and {@code
 * model.onnx_data}), {@code config.json}, {@code genai_config.json} and the checkpoint's tokenizer
 * and generation files into a hidden staging directory next to the target, fsyncs them and renames
 * the directory into place. On failure the staging directory is removed and the target untouched.
 */
final class OnnxExporter {
  static final String GENAI_CONFIG = "genai_config.json";
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OnnxExporter() {}

  static List<Path> export(OnnxExport e, Path directory) {
    Path target = directory.toAbsolutePath();
    checkTarget(target, e.overwrite());
    Checkpoint ckpt = e.checkpoint();
    ModelConfig c = ckpt.config();
    // read (and so checked) before anything is built or written
    io.cpt4j.onnx.Generation defaults = GenerationDefaults.read(ckpt.directory(), c, c.maxPositionEmbeddings());
    OnnxGraph graph = DecoderGraph.build(c, ckpt, e.kvCache(), e.fp16() ? OnnxGraph.FLOAT16 : OnnxGraph.FLOAT);
    boolean external = switch (e.externalData()) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> OnnxModelWriter.weightBytes(graph) > OnnxExport.EXTERNAL_DATA_THRESHOLD;
    };
    Path staging = AtomicFiles.temporarySibling(target, "partial");
    try {
      Files.createDirectories(staging);
      List<String> names = new ArrayList<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("cpt4j.architecture", c.hfClass());
      metadata.put("cpt4j.kv_cache", Boolean.toString(e.kvCache()));
      metadata.put("cpt4j.precision", e.fp16() ? "float16" : "float32");
      OnnxModelWriter.write(graph, staging, external, metadata);
      names.add(OnnxModelWriter.MODEL);
      if (external) {
        names.add(OnnxModelWriter.DATA);
      }
      Path sourceConfig = ckpt.directory().resolve(CheckpointFiles.CONFIG);
      JsonNode hfConfig = Files.isRegularFile(sourceConfig) ? JSON.readTree(sourceConfig.toFile())
          : HfConfigCodec.toJson(c);
      Files.write(staging.resolve(CheckpointFiles.CONFIG), JSON.writeValueAsBytes(hfConfig));
      names.add(CheckpointFiles.CONFIG);
      Files.write(staging.resolve(GENAI_CONFIG), JSON.writeValueAsBytes(GenAiConfig.of(c, JSON, e.kvCache(), hfConfig,
          defaults)));
      names.add(GENAI_CONFIG);
      for (String aux : CheckpointFiles.AUXILIARY) {
        Path src = ckpt.directory().resolve(aux);
        if (Files.isRegularFile(src)) {
          Files.copy(src, staging.resolve(aux));
          names.add(aux);
        }
      }
      for (String n : names) {
        AtomicFiles.fsync(staging.resolve(n));
      }
      AtomicFiles.fsyncDirectory(staging);
      AtomicFiles.replaceDirectory(target, staging);
      return names.stream().map(target::resolve).toList();
    } catch (IOException | UncheckedIOException ex) {
      throw new OnnxException("exporting " + ckpt.directory() + " to " + target + " failed, nothing was changed: "
          + ex.getMessage(), ex);
    } finally {
      try {
        AtomicFiles.deleteTree(staging);
      } catch (IOException ignored) {
        // Best effort: a leftover hidden staging directory never shadows the export.
      }
    }
  }

  private static void checkTarget(Path target, boolean overwrite) {
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new OnnxException(target + " exists and is not a directory");
    }
    if (!overwrite && Files.isDirectory(target)) {
      try (var s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw new OnnxException(target + ": directory exists and is not empty (choose another output or overwrite)");
        }
      } catch (IOException ex) {
        throw new OnnxException("cannot list " + target + ": " + ex.getMessage(), ex);
      }
    }
  }
}
