package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.Precision;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import io.cpt4j.train.LrSchedule;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * {@link RunConfig} as a JSON/YAML tree (snake_case keys): the YAML run file and {@code run.json}.
 * Relative paths in a run file are resolved against the file's directory; unknown keys are errors
 * naming the key, so a typo never silently falls back to a default. A branch's {@code branch_of}
 * entry is read and written by {@link Branches}.
 */
final class RunConfigCodec {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP = Set.of("base", "tokenizer", "schedule", "mixture", "tokens", "steps",
      "sequence_length", "batch_tokens", "micro_batch_tokens", "optimizer", "precision", "activation_checkpointing",
      "backend", "validation", "validation_tokens", "tasks", "task_limit", "evaluate_every", "checkpoint_every", "keep_last_checkpoints",
      "seed", "output", "data_cache", "max_bad_steps",
      "special_tokens", "predict_final_loss", Branches.KEY, ForgettingControlCodec.TRAINABLE,
      ForgettingControlCodec.REGULARIZE);

  /** The builder's defaults: what a missing key means (booleans and the optimizer's keys). */
  private static final RunConfig DEFAULTS = RunConfig.builder().build();

  private RunConfigCodec() {}

  static RunConfig readYaml(Path file) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new TrainingException(file + ": not a readable YAML run file: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    if (root == null || !root.isObject()) {
      throw new TrainingException(file + ": a run file must be a YAML mapping of the run's fields");
    }
    Path dir = file.toAbsolutePath().getParent();
    try {
      return fromTree(root, dir);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new TrainingException(file + ": " + e.getMessage(), e);
    }
  }

  static RunConfig fromTree(JsonNode root, Path dir) {
    return fromTree(root, dir, DEFAULTS.specialTokens());
  }

  /**
   * @param specialTokensDefault what a missing {@code special_tokens} means: true for run files,
   *     false for the run.json of a run written before documents were framed with BOS (so it resumes
   *     with the packing it was trained with)
   */
  static RunConfig fromTree(JsonNode root, Path dir, boolean specialTokensDefault) {
    checkKeys(root, TOP, "");
    JsonNode mixture = required(root, "mixture");
    JsonNode schedule = required(root, "schedule");
    Map<String, Source> validation = new LinkedHashMap<>();
    JsonNode v = root.path("validation");
    if (!v.isMissingNode() && !v.isNull()) {
      if (!v.isObject()) {
        throw new IllegalArgumentException("validation must map set names to sources");
      }
      v.properties().forEach(e -> validation.put(e.getKey(), source(e.getValue(), dir, "validation." + e.getKey())));
    }
    RunConfig.Builder b = RunConfig.builder()
        .base(path(dir, text(root, "base", null)))
        .tokenizer(path(dir, text(root, "tokenizer", null)))
        .schedule(schedule(schedule))
        .mixture(mixture(mixture, dir));
    ifNumber(root, "tokens", b::tokens);
    ifNumber(root, "steps", b::steps);
    ifNumber(root, "sequence_length", n -> b.sequenceLength((int) n));
    ifNumber(root, "batch_tokens", b::batchTokens);
    ifNumber(root, "micro_batch_tokens", b::microBatchTokens);
    b.optimizer(optimizer(root.path("optimizer")));
    ifText(root, "precision", p -> b.precision(Precision.parse(p)));
    b.activationCheckpointing(root.path("activation_checkpointing").asBoolean(DEFAULTS.activationCheckpointing()));
    ifText(root, "backend", b::backend);
    b.validation(validation);
    ifNumber(root, "validation_tokens", b::validationTokens);
    b.tasks(tasks(root.path("tasks"), dir));
    ifNumber(root, "task_limit", n -> b.taskLimit((int) n));
    ifNumber(root, "evaluate_every", b::evaluateEvery);
    ifNumber(root, "checkpoint_every", b::checkpointEvery);
    ifNumber(root, "keep_last_checkpoints", n -> b.keepLastCheckpoints((int) n));
    ifNumber(root, "seed", b::seed);
    b.output(path(dir, text(root, "output", null)));
    b.dataCache(path(dir, text(root, "data_cache", null)));
    ifNumber(root, "max_bad_steps", n -> b.maxBadSteps((int) n));
    JsonNode branch = root.path(Branches.KEY);
    if (!branch.isMissingNode() && !branch.isNull()) {
      b.branchOf(Branches.fromTree(branch, dir));
    }
    b.predictFinalLoss(root.path("predict_final_loss").asBoolean(DEFAULTS.predictFinalLoss()));
    ForgettingControlCodec.read(root, b);
    return b.specialTokens(root.path("special_tokens").asBoolean(specialTokensDefault)).build();
  }

  static ObjectNode toTree(RunConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("base", str(c.base()));
    o.put("tokenizer", str(c.tokenizer()));
    ObjectNode sched = o.putObject("schedule");
    c.schedule().toMap().forEach((k, v) -> sched.set(snake(k), JSON.valueToTree(v)));
    o.set("mixture", mixture(c.mixture()));
    o.put("tokens", c.tokens());
    o.put("steps", c.steps());
    o.put("sequence_length", c.sequenceLength());
    o.put("batch_tokens", c.batchTokens());
    o.put("micro_batch_tokens", c.microBatchTokens());
    AdamW a = c.optimizer();
    o.putObject("optimizer").put("beta1", a.beta1()).put("beta2", a.beta2()).put("eps", a.eps())
        .put("weight_decay", a.weightDecay()).put("decay_embeddings", a.decayEmbeddings())
        .put("max_grad_norm", a.maxGradNorm());
    o.put("precision", c.precision().name().toLowerCase(Locale.ROOT));
    o.put("activation_checkpointing", c.activationCheckpointing());
    o.put("backend", c.backend());
    ObjectNode val = o.putObject("validation");
    c.validation().forEach((name, s) -> val.set(name, source(s)));
    o.put("validation_tokens", c.validationTokens());
    if (!c.tasks().isEmpty()) { // written only when set, so the run.json of a run without tasks is unchanged
      var files = o.putArray("tasks");
      c.tasks().forEach(f -> files.add(str(f)));
    }
    if (c.taskLimit() != 0) {
      o.put("task_limit", c.taskLimit());
    }
    o.put("evaluate_every", c.evaluateEvery());
    o.put("checkpoint_every", c.checkpointEvery());
    o.put("keep_last_checkpoints", c.keepLastCheckpoints());
    o.put("seed", c.seed());
    o.put("output", str(c.output()));
    o.put("data_cache", str(c.dataCache()));
    o.put("max_bad_steps", c.maxBadSteps());
    o.put("special_tokens", c.specialTokens());
    if (c.branchOf() != null) { // written only for a branch, so the run.json of other runs is unchanged
      o.set(Branches.KEY, Branches.toTree(c.branchOf()));
    }
    if (!c.predictFinalLoss()) { // written only when off, so the run.json of a run with the default is unchanged
      o.put("predict_final_loss", false);
    }
    ForgettingControlCodec.write(c, o);
    return o;
  }

  // ------------------------------------------------------------------ mixture and sources

  private static Mixture mixture(JsonNode m, Path dir) {
    checkKeys(m, Set.of("sources", "schedule", "seed", "metadata_conditioning"), "mixture.");
    JsonNode sources = required(m, "sources");
    if (!sources.isArray() || sources.isEmpty()) {
      throw new IllegalArgumentException("mixture.sources must be a non-empty list");
    }
    Mixture mix = null;
    for (int i = 0; i < sources.size(); i++) {
      JsonNode s = sources.get(i);
      String where = "mixture.sources[" + i + "]";
      Source src = source(s, dir, where);
      if (!s.has("weight")) {
        throw new IllegalArgumentException(where + ".weight is required");
      }
      double w = s.get("weight").asDouble();
      Limits limits = limits(s.path("limits"), where + ".limits");
      boolean replay = s.path("replay").asBoolean(false);
      mix = mix == null ? Mixture.of(src, w, limits) : replay ? mix.replay(src, w, limits) : mix.and(src, w, limits);
    }
    for (JsonNode knot : m.path("schedule")) {
      double[] weights = new double[knot.path("weights").size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = knot.path("weights").get(i).asDouble();
      }
      mix = mix.at(knot.path("at").asDouble(), weights);
    }
    return mix.seed(m.path("seed").asLong(0)).metadataConditioning(m.path("metadata_conditioning").asDouble(0));
  }

  private static ObjectNode mixture(Mixture m) {
    ObjectNode o = JSON.createObjectNode();
    ArrayNode sources = o.putArray("sources");
    for (Mixture.Component c : m.components()) {
      ObjectNode s = source(c.source());
      s.put("weight", c.weight());
      s.put("replay", c.replay());
      Limits l = c.limits();
      s.putObject("limits").put("token_budget", l.tokenBudget()).put("subset_documents", l.subsetDocuments())
          .put("epochs", l.epochs()).put("on_exhausted", l.onExhausted().name().toLowerCase(Locale.ROOT));
      sources.add(s);
    }
    ArrayNode knots = o.putArray("schedule");
    m.schedule().stream().skip(1).forEach(k -> {
      ObjectNode n = knots.addObject().put("at", k.progress());
      ArrayNode w = n.putArray("weights");
      k.weights().forEach(w::add);
    });
    o.put("seed", m.seed());
    o.put("metadata_conditioning", m.metadataConditioningFraction());
    return o;
  }

  private static Limits limits(JsonNode l, String where) {
    if (l.isMissingNode() || l.isNull()) {
      return Limits.none();
    }
    checkKeys(l, Set.of("token_budget", "subset_documents", "epochs", "on_exhausted"), where + ".");
    String action = l.path("on_exhausted").asText("restart").toUpperCase(Locale.ROOT);
    try {
      return Limits.builder().tokenBudget(l.path("token_budget").asLong(0))
          .subsetDocuments(l.path("subset_documents").asInt(0)).epochs(l.path("epochs").asInt(1))
          .onExhausted(Limits.Exhaustion.valueOf(action)).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  static Source source(JsonNode s, Path dir, String where) {
    checkKeys(s, Set.of("name", "text", "blocks", "jsonl", "dataset", "field", "metadata_fields", "metadata",
        "replace_invalid_utf8", "split", "weight", "replay", "limits"), where + ".");
    Source src;
    if (s.has("dataset")) {
      for (String textOnly : List.of("text", "blocks", "jsonl", "field", "metadata_fields", "metadata",
          "replace_invalid_utf8", "split")) {
        if (s.has(textOnly)) {
          throw new IllegalArgumentException(where + "." + textOnly + " does not apply to a prepared dataset (" + where
              + ".dataset): its documents are already tokenized");
        }
      }
      src = Source.dataset(location(dir, s.get("dataset").asText()));
      return s.has("name") ? src.named(s.get("name").asText()) : src;
    }
    if (s.has("text") || s.has("blocks")) {
      src = Source.text(location(dir, s.has("text") ? s.get("text").asText() : s.get("blocks").asText()));
      if (s.has("blocks")) {
        src = src.blankLineDocuments();
      }
    } else if (s.has("jsonl")) {
      src = Source.jsonl(location(dir, s.get("jsonl").asText()), text(s, "field", "text"));
    } else {
      throw new IllegalArgumentException(where + " needs one of text, blocks or jsonl (a file, directory or glob) or "
          + "dataset (a prepared token dataset)");
    }
    for (JsonNode f : s.path("metadata_fields")) {
      src = src.metadataFields(f.asText());
    }
    Iterator<Map.Entry<String, JsonNode>> md = s.path("metadata").properties().iterator();
    while (md.hasNext()) {
      Map.Entry<String, JsonNode> e = md.next();
      src = src.metadata(e.getKey(), e.getValue().asText());
    }
    if (s.path("replace_invalid_utf8").asBoolean(false)) {
      src = src.replaceInvalidUtf8();
    }
    String name = s.has("name") ? s.get("name").asText() : null;
    JsonNode split = s.path("split");
    if (split.isObject()) {
      Source.Split sp = (name != null ? src.named(name) : src).split(split.path("fraction").asDouble(),
          split.path("seed").asLong(0));
      boolean validation = split.path("side").asText("train").equals("validation");
      src = validation ? sp.validation() : sp.train();
      return src; // split sides carry their own names (NAME/train, NAME/validation)
    }
    return name != null ? src.named(name) : src;
  }

  static ObjectNode source(Source s) {
    ObjectNode o = JSON.createObjectNode();
    Source.SplitSpec split = s.splitSpec();
    String base = split == null ? s.name() : s.name().substring(0, s.name().lastIndexOf('/'));
    o.put("name", base);
    if (s.kind() == Source.Kind.DATASET) {
      o.put("dataset", s.location());
      return o;
    }
    if (s.kind() == Source.Kind.JSONL) {
      o.put("jsonl", s.location());
      o.put("field", s.field());
    } else {
      o.put(s.isBlankLineDocuments() ? "blocks" : "text", s.location());
    }
    if (!s.metadataFields().isEmpty()) {
      ArrayNode f = o.putArray("metadata_fields");
      s.metadataFields().forEach(f::add);
    }
    if (!s.constantMetadata().isEmpty()) {
      ObjectNode md = o.putObject("metadata");
      s.constantMetadata().forEach(md::put);
    }
    if (s.utf8Errors() == Source.Utf8Errors.REPLACE) {
      o.put("replace_invalid_utf8", true);
    }
    if (split != null) {
      o.putObject("split").put("fraction", split.fraction()).put("seed", split.seed())
          .put("side", split.validation() ? "validation" : "train");
    }
    return o;
  }

  // ------------------------------------------------------------------ small helpers

  /** The schedule map with snake_case keys (max_lr) turned into LrSchedule's camelCase (maxLr). */
  private static LrSchedule schedule(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("schedule must be a mapping with a type, e.g. {type: warmup-decay, ...}");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(camel(e.getKey()), JSON.convertValue(e.getValue(), Object.class)));
    try {
      return LrSchedule.fromMap(map);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("schedule: " + e.getMessage(), e);
    }
  }

  static String camel(String key) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < key.length(); i++) {
      char ch = key.charAt(i);
      if (ch == '_' && i + 1 < key.length()) {
        b.append(Character.toUpperCase(key.charAt(++i)));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  static String snake(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private static AdamW optimizer(JsonNode o) {
    AdamW d = DEFAULTS.optimizer();
    if (o.isMissingNode() || o.isNull()) {
      return d;
    }
    checkKeys(o, Set.of("beta1", "beta2", "eps", "weight_decay", "decay_embeddings", "max_grad_norm"), "optimizer.");
    return d.newBuilder().beta1(o.path("beta1").asDouble(d.beta1())).beta2(o.path("beta2").asDouble(d.beta2()))
        .eps(o.path("eps").asDouble(d.eps())).weightDecay(o.path("weight_decay").asDouble(d.weightDecay()))
        .decayEmbeddings(o.path("decay_embeddings").asBoolean(d.decayEmbeddings()))
        .maxGradNorm(o.path("max_grad_norm").asDouble(d.maxGradNorm())).build();
  }

  static void checkKeys(JsonNode node, Set<String> allowed, String prefix) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(prefix.isEmpty() ? "the run file must be a mapping"
          : prefix.substring(0, prefix.length() - 1) + " must be a mapping");
    }
    List<String> unknown = new ArrayList<>();
    node.fieldNames().forEachRemaining(k -> {
      if (!allowed.contains(k)) {
        unknown.add(prefix + k);
      }
    });
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown field " + String.join(", ", unknown) + " (known: "
          + allowed.stream().sorted().map(k -> prefix + k).toList() + ")");
    }
  }

  private static JsonNode required(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(key + " is required");
    }
    return v;
  }

  private static long num(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (v.isNumber()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return (long) Double.parseDouble(v.asText().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a number, got '" + v.asText() + "'");
      }
    }
    throw new IllegalArgumentException(key + " must be a number, got " + v);
  }

  /** Passes the number under {@code key} to {@code set} unless the key is missing or null. */
  private static void ifNumber(JsonNode node, String key, LongConsumer set) {
    JsonNode v = node.get(key);
    if (v != null && !v.isNull()) {
      set.accept(num(node, key));
    }
  }

  /** Passes the text under {@code key} to {@code set} unless the key is missing or null. */
  private static void ifText(JsonNode node, String key, Consumer<String> set) {
    String v = text(node, key, null);
    if (v != null) {
      set.accept(v);
    }
  }

  private static String text(JsonNode node, String key, String fallback) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  /** The task files under {@code tasks}: a list of paths (or one path), relative to {@code dir}. */
  private static List<Path> tasks(JsonNode node, Path dir) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    for (JsonNode f : node.isArray() ? node : List.of(node)) {
      if (!f.isTextual() || f.asText().isBlank()) {
        throw new IllegalArgumentException("tasks must be a list of task files (.yaml or .jsonl), got " + node);
      }
      files.add(path(dir, f.asText()));
    }
    return files;
  }

  private static Path path(Path dir, String value) {
    return value == null ? null : dir.resolve(value).normalize();
  }

  /** A location (file, directory or glob) resolved against the run file's directory unless absolute. */
  private static String location(Path dir, String value) {
    return Path.of(value).isAbsolute() ? value : dir.resolve(value).normalize().toString();
  }

  private static String str(Path p) {
    return p == null ? null : p.toAbsolutePath().toString();
  }

  static RunConfig readJson(Path runJson) {
    try {
      return fromTree(JSON.readTree(Files.readString(runJson)), runJson.toAbsolutePath().getParent(), false);
    } catch (IOException e) {
      throw new TrainingException(runJson + ": cannot read the run configuration: " + e.getMessage(), e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new TrainingException(runJson + ": " + e.getMessage(), e);
    }
  }
}
