package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeConfig;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.MergeParameter;
import io.cpt4j.merge.MergeSlice;
import io.cpt4j.merge.MethodDeclaration;
import io.cpt4j.merge.ParamValue;
import io.cpt4j.merge.internal.config.MergeConfigParams.Bad;
import io.cpt4j.merge.internal.config.MergeConfigParams.Params;
import io.cpt4j.yaml.internal.YamlScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a mergekit-style YAML merge configuration into a {@link MergeConfig}: checks every key
 * first (errors name the key and its line; parameters the method does not declare are ignored with
 * one warning, {@link IgnoredParameters}), then opens the checkpoints (each distinct path once, so
 * the base may also be listed among the models as mergekit configs do) and builds the {@link Merge}.
 * Whatever it opened is closed again if anything fails. Stateless.
 */
public final class MergeConfigCodec {
  private MergeConfigCodec() {}

  private static final Logger LOG = LoggerFactory.getLogger(MergeConfigCodec.class);

  private static final Set<String> TOP = Set.of("merge_method", "base_model", "models", "slices", "parameters",
      "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "onto", "include", "exclude",
      "max_shard_size");
  private static final Map<String, String> UNSUPPORTED = Map.of(
      "modules", "modules are not supported: list whole models under models",
      "input_model_parameters", "input_model_parameters is not supported: give parameters under each model");

  /** A model entry: the checkpoint path and the key path of its {@code model} value. */
  record ModelSpec(Path path, String at, ParamValue weight, ParamValue density) {}

  /** What the file says, checked, before anything is opened. */
  private record Spec(MergeMethod method, Path base, String baseAt, Path onto, List<ModelSpec> models,
      List<List<MergeConfigSlices.SourceSpec>> slices,
      Pattern include, Pattern exclude, boolean excludeSet, DType dtype, long maxShardSize, JsonNode tokenizer,
      String chatTemplate, IgnoredParameters ignored) {}

  public static MergeConfig load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new MergeException(file + ": no such merge config file");
    } catch (IOException e) {
      throw new MergeException(file + ": cannot read: " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = new YAMLMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(bytes);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new MergeException(file + (line > 0 ? ":" + line : "") + ": not valid YAML: " + yamlProblem(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new MergeException(file + ": cannot read: " + e.getMessage(), e);
    }
    Map<String, Integer> lines = YamlScan.of(bytes).lines();
    Path dir = file.toAbsolutePath().getParent();
    Spec spec;
    try {
      spec = parse(root, dir);
    } catch (Bad b) {
      throw new MergeException(where(file, lines, b.path) + b.getMessage());
    }
    List<String> warnings = spec.ignored().warning(file, lines).stream().toList();
    MergeConfig config = open(spec, file, lines, warnings);
    warnings.forEach(LOG::warn);
    return config;
  }

  /** SnakeYAML's message without the echoed source lines and marks, on one line. */
  private static String yamlProblem(String message) {
    return String.join("; ", message.lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.matches("\\^+"))
        .filter(l -> !message.contains("\n    " + l)) // the echoed source line, indented by four
        .toList());
  }

  private static String where(Path file, Map<String, Integer> lines, String path) {
    String p = path;
    Integer line = lines.get(p);
    while (line == null && !p.isEmpty()) { // a missing key: the line of its parent
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
      line = lines.get(p);
    }
    return file + (line == null ? "" : ":" + line) + ": " + (path.isEmpty() ? "" : path + ": ");
  }

  // ------------------------------------------------------------------ parsing

  private static Spec parse(JsonNode root, Path dir) {
    if (root == null || !root.isObject()) {
      throw new Bad("", "a merge config must be a YAML mapping with merge_method, base_model, models, ...");
    }
    root.fieldNames().forEachRemaining(k -> {
      if (UNSUPPORTED.containsKey(k)) {
        throw new Bad(k, UNSUPPORTED.get(k));
      }
      if (!TOP.contains(k)) {
        throw new Bad(k, "unknown key (a merge config has " + String.join(", ", new TreeSet<>(TOP)) + ")");
      }
    });
    String methodName = text(root, "merge_method", true);
    MethodDeclaration def = MergeMethod.declaration(methodName).orElseThrow(() -> new Bad("merge_method",
        "unknown method '" + methodName + "' (cpt4j has " + String.join(", ",
            new TreeSet<>(MergeMethod.declarations().stream().map(MethodDeclaration::name).toList())) + ")"));
    JsonNode params = root.path("parameters");
    if (params.isMissingNode() || params.isNull()) {
      params = YAMLMapper.builder().build().createObjectNode();
    } else if (!params.isObject()) {
      throw new Bad("parameters", "must be a mapping of parameter names to values");
    }
    IgnoredParameters ignored = new IgnoredParameters(def);
    ignored.check(params, "parameters", MergeConfigParams.topLevel(def));
    Path base = path(dir, text(root, "base_model", false));
    if (def.needsBase() && base == null) {
      throw new Bad("base_model", "is required by " + def.name());
    }
    Path onto = path(dir, text(root, "onto", false));
    if (def.needsTarget() && onto == null) {
      throw new Bad("onto", "is required by " + def.name() + ": the continually pre-trained model the instruction "
          + "vector (model − base_model) is added to");
    }
    Params p = new Params(def, params, "parameters");
    List<ModelSpec> models = List.of();
    List<List<MergeConfigSlices.SourceSpec>> slices = List.of();
    if (root.has("slices")) {
      if (root.has("models")) {
        throw new Bad("slices", "a merge config has either models or slices, not both (as in mergekit): list every "
            + "input under the slices' sources");
      }
      if (def.baseRole() == MethodDeclaration.BaseRole.OPTIONAL_REFERENCE && base == null) {
        throw new Bad("slices", def.name() + " with slices needs base_model in cpt4j (the source from it is the "
            + "task vectors' reference)");
      }
      boolean reference = def.baseRole() == MethodDeclaration.BaseRole.REFERENCE
          || def.baseRole() == MethodDeclaration.BaseRole.OPTIONAL_REFERENCE;
      slices = MergeConfigSlices.parse(root.get("slices"), dir, def, params, p, ignored, reference ? base : null);
    } else {
      models = models(root.get("models"), dir, def, params, base, p, ignored);
    }
    MergeMethod method;
    try {
      method = def.create(p);
    } catch (MergeException e) { // a record's range check, e.g. gamma
      throw new Bad("parameters", e.getMessage());
    }
    p.checkFixed();
    if (slices.isEmpty() && !def.models().allows(models.size())) {
      throw new Bad("models", switch (def.models()) {
        case EXACTLY_ONE -> def.name() + " takes exactly one model besides base_model, got " + models.size();
        case EXACTLY_TWO -> def.name() + " takes exactly two models besides base_model, got " + models.size();
        case AT_LEAST_TWO -> def.name() + " needs at least two models besides base_model, got " + models.size();
        case AT_LEAST_ONE -> def.name() + " needs at least one model besides base_model";
      });
    }
    boolean excludeSet = root.has("exclude");
    return new Spec(method, base, "base_model", onto, models, slices, regex(root, "include"), regex(root, "exclude"),
        excludeSet, dtype(root), shardSize(root), MergeTokenizerKeys.block(root),
        MergeTokenizerKeys.chatTemplateValue(root), ignored);
  }

  private static List<ModelSpec> models(JsonNode list, Path dir, MethodDeclaration def, JsonNode top, Path base,
      Params p, IgnoredParameters ignored) {
    if (list == null || list.isNull()) {
      throw new Bad("models", "is required: a list of {model: PATH, parameters: {...}}");
    }
    if (!list.isArray() || list.isEmpty()) {
      throw new Bad("models", "must be a non-empty list of {model: PATH, parameters: {...}}");
    }
    List<ModelSpec> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "models[" + i + "]";
      JsonNode m = list.get(i);
      boolean reference = def.baseRole() == MethodDeclaration.BaseRole.REFERENCE
          || def.baseRole() == MethodDeclaration.BaseRole.OPTIONAL_REFERENCE;
      ModelSpec spec = entry(m, at, Set.of("model", "parameters"), dir, def, top, p, ignored, reference ? base : null);
      if (!(reference && spec.path().equals(base))) { // mergekit lists the base among the models: no task vector
        out.add(spec);
      }
    }
    if (def.baseRole() == MethodDeclaration.BaseRole.INPUT && base != null
        && out.stream().noneMatch(m -> m.path().equals(base))) {
      // mergekit's planner adds a base_model the models do not list to the merged inputs
      out.add(new ModelSpec(base, "base_model", ParamValue.of(1), ParamValue.of(1)));
    }
    if (out.isEmpty()) {
      throw new Bad("models", def.name() + " needs at least one model besides base_model");
    }
    return out;
  }

  /**
   * One model entry ({@code models[i]} or a slice's source) with its keys among {@code keys}: the
   * path, and the per-model parameters read as the method declares them; for an entry of {@code
   * base} (the task vectors' reference) the parameters are not read, as in mergekit, and weight and
   * density are 1.
   */
  static ModelSpec entry(JsonNode m, String at, Set<String> keys, Path dir, MethodDeclaration def, JsonNode top,
      Params p, IgnoredParameters ignored, Path base) {
    if (m.isTextual()) {
      throw new Bad(at, "must be a mapping {model: " + m.textValue() + "}, not a bare string");
    }
    if (!m.isObject()) {
      throw new Bad(at, "must be a mapping {model: PATH, parameters: {...}}");
    }
    m.fieldNames().forEachRemaining(k -> {
      if (!keys.contains(k)) {
        throw new Bad(at + "." + k, "unknown key (an entry here has " + String.join(", ", new TreeSet<>(keys)) + ")");
      }
    });
    Path path = AdapterInputs.key(dir, text(m, "model", true, at + ".model"));
    JsonNode mp = m.path("parameters");
    String pAt = at + ".parameters";
    if (mp.isMissingNode() || mp.isNull()) {
      mp = YAMLMapper.builder().build().createObjectNode();
    } else if (!mp.isObject()) {
      throw new Bad(pAt, "must be a mapping of parameter names to values");
    }
    if (path.equals(base)) {
      return new ModelSpec(path, at + ".model", ParamValue.of(1), ParamValue.of(1));
    }
    ignored.check(mp, pAt, MergeConfigParams.perModel(def));
    ParamValue weight = MergeConfigParams.perModel(def, "weight", mp, top, pAt);
    ParamValue density = MergeConfigParams.perModel(def, "density", mp, top, pAt);
    for (MergeParameter u : def.parameters()) {
      if (u.scope() == MergeParameter.Scope.UNIFORM && mp.has(u.name())) {
        p.modelValues.add(Map.entry(u.name(), Map.entry(pAt + "." + u.name(), mp.get(u.name()))));
      }
    }
    return new ModelSpec(path, at + ".model", weight, density);
  }

  private static String text(JsonNode node, String key, boolean required) {
    return text(node, key, required, key);
  }

  static String text(JsonNode node, String key, boolean required, String at) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new Bad(at, "is required");
      }
      return null;
    }
    if (!v.isTextual() || v.textValue().isBlank()) {
      throw new Bad(at, "must be a non-empty string, got " + MergeConfigParams.show(v));
    }
    return v.textValue();
  }

  static Path path(Path dir, String p) {
    return p == null ? null : dir.resolve(p).toAbsolutePath().normalize();
  }

  private static Pattern regex(JsonNode root, String key) {
    String r = text(root, key, false);
    try {
      return r == null ? null : Pattern.compile(r);
    } catch (PatternSyntaxException e) {
      throw new Bad(key, "not a valid regular expression: " + e.getDescription());
    }
  }

  private static DType dtype(JsonNode root) {
    String key = root.has("out_dtype") ? "out_dtype" : "dtype";
    String d = text(root, key, false);
    if (d == null) {
      return null;
    }
    DType t;
    try {
      t = DType.parse(d); // the one dtype grammar
    } catch (IllegalArgumentException e) {
      t = null;
    }
    if (t != DType.BF16 && t != DType.F16 && t != DType.F32) {
      throw new Bad(key, "unknown dtype '" + d + "' (bfloat16, float16 or float32)");
    }
    return t;
  }

  private static long shardSize(JsonNode root) {
    JsonNode v = root.get("max_shard_size");
    if (v == null || v.isNull()) {
      return Long.MAX_VALUE;
    }
    if (v.canConvertToExactIntegral() && v.isNumber() && v.longValue() > 0) {
      return v.longValue();
    }
    if (v.isTextual()) {
      try {
        return io.cpt4j.checkpoint.ByteSizes.parse(v.textValue());
      } catch (IllegalArgumentException e) {
        // reported below with the key's line
      }
    }
    throw new Bad("max_shard_size", "must be a positive number of bytes or a size like 5GB or 2GiB, got "
        + MergeConfigParams.show(v));
  }

  // ------------------------------------------------------------------ opening

  private static MergeConfig open(Spec spec, Path file, Map<String, Integer> lines, List<String> warnings) {
    Map<Path, Checkpoint> opened = new LinkedHashMap<>();
    try {
      Checkpoint base = spec.base() == null ? null : open(opened, spec.base(), spec.baseAt(), file, lines);
      Checkpoint onto = spec.onto() == null ? null : open(opened, spec.onto(), "onto", file, lines);
      List<MergeInput> inputs = new ArrayList<>();
      for (ModelSpec m : spec.models()) {
        inputs.add(new MergeInput(open(opened, m.path(), m.at(), file, lines), m.weight(), m.density()));
      }
      List<MergeSlice> slices = new ArrayList<>();
      for (List<MergeConfigSlices.SourceSpec> slice : spec.slices()) {
        List<MergeSlice.Source> sources = new ArrayList<>();
        for (MergeConfigSlices.SourceSpec src : slice) {
          ModelSpec m = src.model();
          sources.add(new MergeSlice.Source(new MergeInput(open(opened, m.path(), m.at(), file, lines), m.weight(),
              m.density()), src.start(), src.end()));
        }
        slices.add(new MergeSlice(sources));
      }
      Checkpoint first = slices.isEmpty() ? inputs.getFirst().checkpoint()
          : slices.getFirst().sources().getFirst().input().checkpoint();
      Merge.Builder b = Merge.builder(spec.method(), base != null ? base : first);
      inputs.forEach(b::model);
      slices.forEach(b::slice);
      if (onto != null) {
        b.onto(onto);
      }
      if (spec.include() != null) {
        b.include(spec.include().pattern());
      }
      if (spec.excludeSet()) {
        b.exclude(spec.exclude() == null ? null : spec.exclude().pattern());
      }
      b.dtype(spec.dtype()).maxShardSize(spec.maxShardSize());
      if (spec.tokenizer() != null) {
        try {
          b.tokenizer(MergeTokenizerKeys.resolve(spec.tokenizer(), (path, key) -> input(path, key, base, opened, file)));
        } catch (Bad bad) {
          throw new MergeException(where(file, lines, bad.path) + bad.getMessage());
        }
      }
      if (spec.chatTemplate() != null) {
        try {
          b.chatTemplate(MergeTokenizerKeys.template(spec.chatTemplate(), opened.values()));
        } catch (Bad bad) {
          throw new MergeException(where(file, lines, bad.path) + bad.getMessage());
        }
      }
      Merge merge = b.build();
      if ("chatml".equals(spec.chatTemplate())) {
        try {
          MergeTokenizerKeys.requireChatmlTokens(merge.tokenizer().map(t -> t.vocabularySource(merge))
              .or(merge::tokenizerFrom).orElse(merge.target()));
        } catch (Bad bad) {
          throw new MergeException(where(file, lines, bad.path) + bad.getMessage());
        }
      }
      return new MergeConfig(file, merge, List.copyOf(opened.values()), warnings);
    } catch (RuntimeException e) {
      opened.values().forEach(c -> {
        try {
          c.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      });
      if (e instanceof MergeException me && !me.getMessage().startsWith(file.toString())) {
        throw new MergeException(file + ": " + me.getMessage(), me);
      }
      throw e;
    }
  }

  private static Checkpoint open(Map<Path, Checkpoint> opened, Path path, String at, Path file,
      Map<String, Integer> lines) {
    Checkpoint c = opened.get(path);
    if (c == null && AdapterInputs.isAdapterInput(path)) {
      try {
        c = AdapterInputs.open(path);
      } catch (RuntimeException e) {
        throw new MergeException(where(file, lines, at) + "cannot apply the adapter of " + AdapterInputs.describe(path)
            + ": " + e.getMessage(), e);
      }
      opened.put(path, c);
    }
    if (c == null) {
      if (!Files.isDirectory(path)) {
        throw new MergeException(where(file, lines, at) + path + " is not a directory (cpt4j merges local "
            + "checkpoint directories; download Hugging Face models first)");
      }
      try {
        c = Checkpoint.open(path);
      } catch (RuntimeException e) {
        throw new MergeException(where(file, lines, at) + "cannot open checkpoint: " + e.getMessage(), e);
      }
      opened.put(path, c);
    }
    return c;
  }

  /** The checkpoint a tokenizer key names: {@code base}, or the path of base_model, onto or a model. */
  private static Checkpoint input(String src, String key, Checkpoint base, Map<Path, Checkpoint> opened, Path file) {
    if (src.equals("base")) {
      if (base == null) {
        throw new Bad(key, "'base' needs base_model");
      }
      return base;
    }
    Checkpoint c = opened.get(file.toAbsolutePath().getParent().resolve(src).toAbsolutePath().normalize());
    if (c == null) {
      throw new Bad(key, "'" + src + "' is not base_model, onto or one of the models (the tokenizer and token "
          + "sources must be inputs of the merge)");
    }
    return c;
  }
}
