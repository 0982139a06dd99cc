package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.merge.MethodDeclaration;
import io.cpt4j.merge.internal.config.MergeConfigCodec.ModelSpec;
import io.cpt4j.merge.internal.config.MergeConfigParams.Bad;
import io.cpt4j.merge.internal.config.MergeConfigParams.Params;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code slices} of a merge config, mergekit's form: {@code slices: [{sources: [{model: PATH,
 * layer_range: [a, b], parameters: {...}}]}]}; each source's parameters are read as a model entry's.
 * Layer ranges are checked against the models when the merge is built ({@link
 * io.cpt4j.merge.MergeSlice}). Stateless.
 */
final class MergeConfigSlices {
  private MergeConfigSlices() {}

  /** One source of a slice: the model entry and its layer range {@code [start, end)}. */
  record SourceSpec(ModelSpec model, int start, int end) {}

  static List<List<SourceSpec>> parse(JsonNode list, Path dir, MethodDeclaration def, JsonNode top, Params p,
      IgnoredParameters ignored, Path base) {
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new Bad("slices", "must be a non-empty list of {sources: [{model: PATH, layer_range: [start, end]}]}");
    }
    List<List<SourceSpec>> slices = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "slices[" + i + "]";
      JsonNode slice = list.get(i);
      if (!slice.isObject()) {
        throw new Bad(at, "must be a mapping {sources: [...]}");
      }
      slice.fieldNames().forEachRemaining(k -> {
        if (!k.equals("sources")) {
          throw new Bad(at + "." + k, "unknown key (a slice has sources)");
        }
      });
      JsonNode sources = slice.get("sources");
      if (sources == null || !sources.isArray() || sources.isEmpty()) {
        throw new Bad(at + ".sources", "must be a non-empty list of {model: PATH, layer_range: [start, end]}");
      }
      List<SourceSpec> out = new ArrayList<>();
      for (int k = 0; k < sources.size(); k++) {
        String sAt = at + ".sources[" + k + "]";
        ModelSpec model = MergeConfigCodec.entry(sources.get(k), sAt, Set.of("model", "layer_range", "parameters"),
            dir, def, top, p, ignored, base);
        JsonNode range = sources.get(k).get("layer_range");
        if (range == null || !range.isArray() || range.size() != 2 || !range.get(0).canConvertToInt()
            || !range.get(1).canConvertToInt() || !range.get(0).isIntegralNumber() || !range.get(1).isIntegralNumber()) {
          throw new Bad(sAt + ".layer_range", "is required: [start, end], two integers (layers start to end - 1)");
        }
        int start = range.get(0).intValue();
        int end = range.get(1).intValue();
        if (start < 0 || end <= start) {
          throw new Bad(sAt + ".layer_range", "must be [start, end] with 0 <= start < end, got [" + start + ", " + end
              + "]");
        }
        out.add(new SourceSpec(model, start, end));
      }
      int length = out.getFirst().end() - out.getFirst().start();
      for (int k = 1; k < out.size(); k++) {
        if (out.get(k).end() - out.get(k).start() != length) {
          throw new Bad(at + ".sources[" + k + "].layer_range", "has " + (out.get(k).end() - out.get(k).start())
              + " layers but sources[0] has " + length + ": the sources of a slice must have ranges of equal length");
        }
      }
      slices.add(out);
    }
    return slices;
  }
}
