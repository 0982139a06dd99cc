package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.Cpt4jException;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.SamplerStats;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.spi.PrepareEngine;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cpt4j data prepare}: tokenizes each source into token shards under OUT (reused when the
 * source and tokenizer are unchanged), optionally holding out a validation split, then packs one
 * pass over all of them into rows to measure padding and waste, and writes {@code OUT/stats.json}.
 */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Tokenize sources into token shards (OUT/NAME, or OUT/NAME/train and",
      "OUT/NAME/validation with --validation) and write OUT/stats.json: documents",
      "and tokens per source, and the padding and waste of one packed pass over",
      "all sources. Shards are reused when a source and the tokenizer are unchanged.",
      "",
      "Sources: --source NAME=text:LOCATION (one document per file),",
      "NAME=blocks:LOCATION (one per blank-line-separated block) or",
      "NAME=jsonl:LOCATION:FIELD (one per line, text in FIELD). LOCATION is a",
      "file, a directory (recursive) or a glob such as 'data/**.txt'; .gz files",
      "are decompressed.",
      "",
      "Shards hold each document's own tokens. Training frames them as the model was",
      "pretrained: BOS (when the tokenizer adds one, e.g. Llama, Mistral) + document +",
      "end-of-document; the packing report does the same (--no-special-tokens: no BOS).",
      "The end-of-document token is --eos, else the eos_token_id of config.json (then",
      "generation_config.json) beside the tokenizer, else a known end-of-text token.",
      "",
      "--engine spark runs the preparation as a Spark job (sdk-spark and Spark 4.2 on the",
      "class path, see docs/spark.md): the same shards, plus optional normalisation,",
      "quality filters and deduplication, reported per source in stats.json."
    })
final class DataPrepareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
      description = "tokenizer.json, or a checkpoint directory holding one.")
  Path tokenizerPath;

  @Option(names = "--source", required = true, paramLabel = "NAME=KIND:LOCATION", converter = SourceSpec.Converter.class,
      description = "A source (repeatable).")
  List<SourceSpec> sources;

  @Option(names = {"--out", "-o"}, required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(names = "--seq-len", paramLabel = "N", defaultValue = "1024",
      description = "Positions per row for the packing report (default: ${DEFAULT-VALUE}).")
  int sequenceLength;

  @Option(names = "--no-packing", description = "Report one document per row, padded, instead of packed rows.")
  boolean noPacking;

  @Option(names = "--eos", paramLabel = "TOKEN", description = "End-of-document token (text or id; default: the "
      + "model's eos_token_id, else the tokenizer's <|endoftext|>, </s> or <eos>).")
  String eos;

  @Option(names = "--no-special-tokens", description = "Report packing without the BOS the tokenizer adds.")
  boolean noSpecialTokens;

  @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0",
      description = "Hold out this fraction of each source's documents (default: none).")
  double validation;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the split and the packing order.")
  long seed;

  @Option(names = "--metadata-template", paramLabel = "T",
      description = "Also tokenize a metadata prefix per document, e.g. 'URL: {url}\\n\\n' (\\n is a newline).")
  String metadataTemplate;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Tokenizer threads (0 = one per core).")
  int threads;

  @Option(names = "--json", description = "Print stats.json to stdout instead of a summary.")
  boolean json;

  @Option(names = "--engine", paramLabel = "NAME", defaultValue = "local",
      description = "local (this process, the default) or spark (a Spark job; see docs/spark.md).")
  String engine;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master, e.g. local[2] (--engine spark; "
      + "default: local[*]).")
  String master;

  @Option(names = "--normalize", description = "Unicode NFC and \\n line ends (--engine spark).")
  boolean normalize;

  @Option(names = "--quality-filters", description = "Drop documents failing Gopher's quality rules (--engine spark).")
  boolean qualityFilters;

  @Option(names = "--exact-dedup", description = "Drop exact duplicates (--engine spark).")
  boolean exactDedup;

  @Option(names = "--near-dedup", paramLabel = "JACCARD", defaultValue = "0",
      description = "Drop near duplicates at this Jaccard similarity, MinHash LSH (--engine spark).")
  double nearDedup;

  @Option(names = "--in-context-order", paramLabel = "K", defaultValue = "0",
      description = "Write the documents in In-Context Pretraining order, K MinHash neighbours each (--engine spark).")
  int inContextOrder;

  @Override
  public Integer call() throws IOException {
    validateOptions();
    Path tokenizerFile = Files.isDirectory(tokenizerPath) ? tokenizerPath.resolve("tokenizer.json") : tokenizerPath;
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode stats = mapper.createObjectNode();
    List<TokenDataset> train = new ArrayList<>();
    List<Source> trainSources = new ArrayList<>();
    List<TokenDataset> opened = new ArrayList<>();
    try (Tokenizer tokenizer = Tokenizer.open(tokenizerFile)) {
      int eosId = eosId(tokenizer);
      ShardOptions options = ShardOptions.builder()
          .threads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads)
          .metadataTemplate(metadataTemplate == null ? null : metadataTemplate.replace("\\n", "\n")).build();
      Files.createDirectories(out);
      ObjectNode tok = stats.putObject("tokenizer");
      tok.put("path", tokenizerFile.toString());
      tok.put("fingerprint", tokenizer.fingerprint());
      tok.put("vocab_size", tokenizer.vocabSize());
      tok.put("eos_id", eosId);
      int bosId = noSpecialTokens || tokenizer.specialPrefix().size() != 1 ? -1 : tokenizer.specialPrefix().getFirst();
      if (bosId >= 0) {
        tok.put("bos_id", bosId);
      }
      Map<Path, String> pipeline = runEngine(tokenizerFile);
      ObjectNode perSource = stats.putObject("sources");
      long totalTokens = 0;
      for (SourceSpec s : sources) {
        ObjectNode node = perSource.putObject(s.name());
        node.put("spec", s.spec());
        if (!json && ProgressLine.stderrIsTerminal()) {
          err.printf("%s: tokenizing %s%n", s.name(), s.spec());
          err.flush();
        }
        if (validation > 0) {
          Source.Split split = s.source().split(validation, seed);
          TokenDataset t = dataset(split.train(), tokenizer, out.resolve(s.name()).resolve("train"), options);
          TokenDataset v = dataset(split.validation(), tokenizer, out.resolve(s.name()).resolve("validation"), options);
          opened.add(t);
          opened.add(v);
          train.add(t);
          trainSources.add(split.train().named(s.name()));
          describe(node, t, pipeline, mapper);
          describe(node.putObject("validation"), v, pipeline, mapper);
        } else {
          TokenDataset t = dataset(s.source(), tokenizer, out.resolve(s.name()), options);
          opened.add(t);
          train.add(t);
          trainSources.add(s.source());
          describe(node, t, pipeline, mapper);
        }
        totalTokens += train.getLast().tokenCount();
      }
      packingReport(stats.putObject("packing"), trainSources, train, eosId, bosId, totalTokens);
      String text = mapper.writeValueAsString(stats) + "\n";
      AtomicFiles.write(out.resolve("stats.json"), text.getBytes(StandardCharsets.UTF_8));
      if (json) {
        stdout.print(text);
      } else {
        printSummary(stdout, stats);
      }
    } finally {
      opened.forEach(TokenDataset::close);
    }
    stdout.flush();
    return 0;
  }

  private void validateOptions() {
    if (sequenceLength < 1) {
      throw new ParameterException(spec.commandLine(), "--seq-len must be >= 1, got " + sequenceLength);
    }
    if (!(validation >= 0 && validation < 1)) {
      throw new ParameterException(spec.commandLine(), "--validation must be in [0, 1), got " + validation);
    }
    if (threads < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0, got " + threads);
    }
    if (!"local".equals(engine) && !"spark".equals(engine)) {
      throw new ParameterException(spec.commandLine(), "--engine must be local or spark, got " + engine);
    }
    boolean engineOnly = master != null || normalize || qualityFilters || exactDedup || nearDedup != 0
        || inContextOrder != 0;
    if ("local".equals(engine) && engineOnly) {
      throw new ParameterException(spec.commandLine(), "--master, --normalize, --quality-filters, --exact-dedup, "
          + "--near-dedup and --in-context-order need --engine spark");
    }
    if (inContextOrder < 0) {
      throw new ParameterException(spec.commandLine(), "--in-context-order must be >= 1, got " + inContextOrder);
    }
    if (!(nearDedup >= 0 && nearDedup <= 1)) {
      throw new ParameterException(spec.commandLine(), "--near-dedup must be in (0, 1], got " + nearDedup);
    }
    if (!"local".equals(engine) && metadataTemplate != null) {
      throw new ParameterException(spec.commandLine(), "--metadata-template is not supported with --engine " + engine);
    }
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (SourceSpec s : sources) {
      if (seen.put(s.name(), true) != null) {
        throw new ParameterException(spec.commandLine(), "two sources are named '" + s.name() + "'");
      }
    }
  }

  private int eosId(Tokenizer tokenizer) throws IOException {
    if (eos != null) {
      if (eos.matches("\\d+")) {
        int id = Integer.parseInt(eos);
        if (id >= tokenizer.vocabSize()) {
          throw new IllegalArgumentException("--eos " + id + " is outside the vocabulary [0, " + tokenizer.vocabSize() + ")");
        }
        return id;
      }
      return tokenizer.tokenId(eos).orElseThrow(() ->
          new IllegalArgumentException("--eos token '" + eos + "' is not in the tokenizer's vocabulary"));
    }
    Path dir = Files.isDirectory(tokenizerPath) ? tokenizerPath : tokenizerPath.toAbsolutePath().getParent();
    return tokenizer.endOfDocumentId(dir).orElseThrow(() -> new IllegalArgumentException("the tokenizer has none of "
        + String.join(", ", Tokenizer.END_OF_DOCUMENT_TOKENS) + ": name the end-of-document token with --eos"));
  }

  /** The targets of every source (OUT/NAME, or OUT/NAME/train and /validation). */
  private List<PrepareEngine.Target> targets() {
    List<PrepareEngine.Target> targets = new ArrayList<>();
    for (SourceSpec s : sources) {
      if (validation > 0) {
        Source.Split split = s.source().split(validation, seed);
        targets.add(new PrepareEngine.Target(split.train(), out.resolve(s.name()).resolve("train")));
        targets.add(new PrepareEngine.Target(split.validation(), out.resolve(s.name()).resolve("validation")));
      } else {
        targets.add(new PrepareEngine.Target(s.source(), out.resolve(s.name())));
      }
    }
    return targets;
  }

  /** With --engine other than local: prepares every target there; its stats.json by directory. */
  private Map<Path, String> runEngine(Path tokenizerFile) {
    Map<Path, String> byDirectory = new LinkedHashMap<>();
    if ("local".equals(engine)) {
      return byDirectory;
    }
    PrepareEngine e = PrepareEngine.find(engine).orElseThrow(() -> new Cpt4jException("--engine " + engine
        + " is not on the class path: put sdk-spark's jar (sdk-spark/target/cpt4j-spark.jar) and Spark 4.2 there "
        + "(the ./cpt4j launcher adds them when sdk-spark is built or SPARK_HOME is set); see docs/spark.md"));
    List<PrepareEngine.Target> targets = targets();
    List<String> stats = e.prepare(new PrepareEngine.Request(tokenizerFile, targets, master, normalize, exactDedup,
        nearDedup, qualityFilters, inContextOrder));
    for (int i = 0; i < targets.size(); i++) {
      byDirectory.put(targets.get(i).directory().toAbsolutePath().normalize(), stats.get(i));
    }
    return byDirectory;
  }

  /** The prepared dataset: tokenized here, or opened after the engine wrote it. */
  private TokenDataset dataset(Source source, Tokenizer tokenizer, Path directory, ShardOptions options) {
    return "local".equals(engine) ? TokenDataset.prepare(source, tokenizer, directory, options)
        : TokenDataset.open(directory);
  }

  private static void describe(ObjectNode node, TokenDataset d, Map<Path, String> pipeline, ObjectMapper mapper)
      throws IOException {
    node.put("directory", d.directory().toString());
    node.put("documents", d.documentCount());
    node.put("tokens", d.tokenCount());
    node.put("reused", d.reused());
    String engineStats = pipeline.get(d.directory().toAbsolutePath().normalize());
    if (engineStats != null) {
      node.set("pipeline", mapper.readTree(engineStats));
    }
  }

  /** One pass over every training dataset, each weighted by its size, packed as asked. */
  private void packingReport(ObjectNode node, List<Source> trainSources, List<TokenDataset> datasets, int eosId,
      int bosId, long totalTokens) {
    node.put("sequence_length", sequenceLength);
    node.put("packed", !noPacking);
    List<Integer> nonEmpty = new ArrayList<>();
    for (int i = 0; i < datasets.size(); i++) {
      if (datasets.get(i).tokenCount() > 0) {
        nonEmpty.add(i);
      }
    }
    if (nonEmpty.isEmpty()) {
      node.put("rows", 0);
      return;
    }
    Limits once = Limits.builder().onExhausted(Limits.Exhaustion.DROP).build();
    Mixture mixture = null;
    List<TokenDataset> used = new ArrayList<>();
    for (int i : nonEmpty) {
      Source named = trainSources.get(i);
      double weight = datasets.get(i).tokenCount();
      mixture = mixture == null ? Mixture.of(named, weight, once) : mixture.and(named, weight, once);
      used.add(datasets.get(i));
    }
    Packing packing = Packing.builder().sequenceLength(sequenceLength).packed(!noPacking).eosId(eosId).bosId(bosId)
        .build();
    MixtureSampler sampler = MixtureSampler.create(mixture.seed(seed), used, packing, Math.max(1, totalTokens));
    while (sampler.hasNext()) {
      sampler.next(1);
    }
    SamplerStats s = sampler.stats();
    node.put("rows", s.rows());
    node.put("positions", s.positions());
    node.put("padding_positions", s.paddingPositions());
    node.put("ignored_targets", s.ignoredTargets());
    node.put("truncated_tokens", s.truncatedTokens());
    node.put("padding_fraction", s.paddingFraction());
    node.put("waste_fraction", s.wasteFraction());
    ObjectNode per = node.putObject("per_source");
    s.sources().forEach((name, st) -> {
      ObjectNode n = per.putObject(name);
      n.put("rows", st.rows());
      n.put("tokens", st.tokens());
    });
  }

  private void printSummary(PrintWriter o, ObjectNode stats) {
    String row = "%-16s %10s %14s  %s%n";
    o.printf(row, "SOURCE", "DOCUMENTS", "TOKENS", "SHARDS");
    stats.get("sources").properties().forEach(e -> {
      var n = e.getValue();
      o.printf(row, e.getKey(), Numbers.grouped(n.get("documents").asLong()), Numbers.grouped(n.get("tokens").asLong()),
          n.get("directory").asText() + (n.get("reused").asBoolean() ? " (reused)" : ""));
      if (n.has("validation")) {
        var v = n.get("validation");
        o.printf(row, "  validation", Numbers.grouped(v.get("documents").asLong()),
            Numbers.grouped(v.get("tokens").asLong()), v.get("directory").asText()
                + (v.get("reused").asBoolean() ? " (reused)" : ""));
      }
    });
    var p = stats.get("packing");
    if (p.get("rows").asLong() > 0) {
      o.printf(Locale.ROOT, "%n%s rows of %d positions: %s rows, padding %.2f %%, no loss on %.2f %% of positions%n",
          p.get("packed").asBoolean() ? "packed" : "unpacked", p.get("sequence_length").asInt(),
          Numbers.grouped(p.get("rows").asLong()), 100 * p.get("padding_fraction").asDouble(),
          100 * p.get("waste_fraction").asDouble());
      if (p.get("truncated_tokens").asLong() > 0) {
        o.printf("%s tokens truncated (documents longer than a row)%n", Numbers.grouped(p.get("truncated_tokens").asLong()));
      }
    }
    o.printf("stats: %s%n", out.resolve("stats.json"));
  }
}
