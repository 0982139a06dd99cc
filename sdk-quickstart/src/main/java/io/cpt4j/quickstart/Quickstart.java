package io.cpt4j.quickstart;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.data.Document;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.Tokenizer;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.Rewarm;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The quickstart ({@code ./cpt4j quickstart}): continual pre-training end to end on a 2-core laptop
 * in a few minutes.
 *
 * <ol>
 *   <li>Train an 8,192-token byte-level BPE tokenizer on the general corpus (the State of the Union
 *       addresses).
 *   <li>Pre-train a small Llama base model (about 1.9M parameters, 4 layers, hidden 128) from random
 *       initialisation on the general corpus and save it as a Hugging Face checkpoint.
 *   <li>Continually pre-train it on Java source code with a re-warmed learning rate (1 % warmup,
 *       cosine) and 10 % replay of the general corpus, evaluating a held-out 5 % of each corpus.
 *   <li>Print the report: the gain on code, the forgetting on general English and the stability
 *       gap of each; the plots are in the run's {@code plots/}. Then the task accuracy of both
 *       models on the shipped cloze tasks ({@link QuickstartTasks}).
 *   <li>Export the continually pre-trained model to ONNX (with the KV cache) and generate a few lines
 *       of Java from it with ONNX Runtime ({@link #exportAndGenerate}).
 * </ol>
 *
 * <p>A second run reuses the tokenizer, the base model and the token shards in the work directory
 * and repeats only the continual pre-training.
 */
public final class Quickstart {
  /**
   * Sizes of the quickstart.
   *
   * @param work where the tokenizer, base model, shards and runs are kept
   * @param baseTokens tokens of base pre-training
   * @param cptTokens tokens of continual pre-training
   * @param sequenceLength positions per row
   * @param batchRows rows per optimizer step
   */
  public record Settings(Path work, long baseTokens, long cptTokens, int sequenceLength, int batchRows) {
    public static Settings defaults() {
      return new Settings(Path.of("quickstart"), 600_000, 400_000, 256, 16);
    }

    public Settings withWork(Path dir) {
      return new Settings(dir, baseTokens, cptTokens, sequenceLength, batchRows);
    }

    public Settings withTokens(long base, long cpt) {
      return new Settings(work, base, cpt, sequenceLength, batchRows);
    }
  }

  static final ModelConfig BASE = ModelConfig.builder(Architecture.LLAMA).vocabSize(8192).hiddenSize(128)
      .intermediateSize(344).numLayers(4).numHeads(4).maxPositionEmbeddings(512).tieWordEmbeddings(true)
      .eosTokenIds(List.of(8191)).build();

  private Quickstart() {}

  public static void main(String[] args) {
    Settings s = Settings.defaults().withWork(Path.of(args.length > 0 ? args[0] : "sdk-quickstart/target/quickstart"));
    TrainingReport report = run(s, List.of(), System.out);
    System.out.print(report.describe());
    System.out.print(QuickstartTasks.forgetting(s.work().resolve("base"), report.finalModel(), System.out));
    System.out.println(exportAndGenerate(report.finalModel(), s.work(), System.out));
  }

  /** The prompt of the generation step. */
  static final String PROMPT = "public static int ";

  /**
   * Step 4: exports a checkpoint (the trained model) to {@code work/onnx}, replacing an earlier
   * export, and samples up to 64 tokens after {@link #PROMPT} with ONNX Runtime (temperature 0.7,
   * top-p 0.9, seed 1), stopping at the model's end-of-sequence token.
   *
   * @return the prompt followed by the generated text
   */
  public static String exportAndGenerate(Path checkpoint, Path work, PrintStream log) {
    Path onnx = work.resolve("onnx");
    try (Checkpoint model = Checkpoint.open(checkpoint)) {
      long start = System.nanoTime();
      OnnxExport.of(model).overwrite(true).writeTo(onnx);
      log.printf(Locale.ROOT, "[4/4] exported to ONNX in %.1f s -> %s; generating with ONNX Runtime:%n",
          (System.nanoTime() - start) / 1e9, onnx);
    }
    Path tokenizerFile = Files.isRegularFile(onnx.resolve("tokenizer.json")) ? onnx.resolve("tokenizer.json")
        : work.resolve("tokenizer.json");
    try (OrtModel m = OrtModel.load(onnx); Tokenizer t = Tokenizer.open(tokenizerFile)) {
      int[] generated = m.generate(t.encode(PROMPT),
          Generation.builder().maxNewTokens(64).temperature(0.7).topP(0.9).seed(1).build());
      int[] text = java.util.Arrays.stream(generated).filter(id -> !m.config().eosTokenIds().contains(id)).toArray();
      return PROMPT + t.decode(text);
    }
  }

  /** Runs the quickstart, reporting its phases on {@code log}; returns the continual pre-training's report. */
  public static TrainingReport run(Settings s, List<TrainingListener> listeners, PrintStream log) {
    try {
      Files.createDirectories(s.work());
      Source.Split general = Corpora.sotu().named("general").split(0.05, 1);
      Source.Split code = Corpora.javaCode().named("code").split(0.05, 1);
      Path tokenizer = tokenizer(s, general.train(), log);
      Path base = baseModel(s, tokenizer, general, listeners, log);
      Path run = s.work().resolve("runs/cpt");
      if (Files.exists(run)) {
        AtomicFiles.deleteTree(run);
      }
      log.printf(Locale.ROOT, "[3/4] continual pre-training on code, 10 %% general replay, %,d tokens -> %s%n",
          s.cptTokens(), run);
      ContinualPretrainer cpt = ContinualPretrainer.from(base)
          .rewarm(Rewarm.to(1e-3).warmupFraction(0.01).cosineTo(1e-4))
          .mix(Mixture.of(code.train(), 0.9).replay(general.train(), 0.1).seed(1))
          .tokens(s.cptTokens()).sequenceLength(s.sequenceLength()).batchTokens((long) s.batchRows() * s.sequenceLength())
          .validateOn("general", general.validation()).validateOn("code", code.validation())
          .validationTokens(16L * s.sequenceLength()).evaluateEvery(10).checkpointEvery(50)
          .dataCache(s.work().resolve("data")).output(run);
      listeners.forEach(cpt::listener);
      return cpt.train();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path tokenizer(Settings s, Source general, PrintStream log) {
    Path file = s.work().resolve("tokenizer.json");
    if (Files.exists(file)) {
      log.println("[1/4] tokenizer: reusing " + file);
      return file;
    }
    long start = System.nanoTime();
    try (Stream<Document> docs = general.documents()) {
      var t = BpeTrainer.vocabSize(BASE.vocabSize()).train(docs.map(Document::text), file);
      log.printf(Locale.ROOT, "[1/4] tokenizer: %d tokens from %.1f MB of general text in %.1f s -> %s%n",
          t.vocabSize(), t.corpusBytes() / 1e6, (System.nanoTime() - start) / 1e9, file);
    }
    try (Tokenizer t = Tokenizer.open(file)) {
      if (t.tokenId(BpeTrainer.END_OF_TEXT).orElse(-1) != BASE.eosTokenIds().getFirst()) {
        throw new IllegalStateException("the quickstart expects <|endoftext|> as the last token of " + file);
      }
    }
    return file;
  }

  private static Path baseModel(Settings s, Path tokenizer, Source.Split general, List<TrainingListener> listeners,
      PrintStream log) throws IOException {
    Path base = s.work().resolve("base");
    if (Files.isRegularFile(base.resolve("config.json"))) {
      log.println("[2/4] base model: reusing " + base);
      return base;
    }
    Path init = s.work().resolve("base-init");
    DemoCheckpoints.write(init, BASE, null, Long.MAX_VALUE, tokenizer);
    Path run = s.work().resolve("runs/base");
    if (Files.exists(run)) {
      AtomicFiles.deleteTree(run);
    }
    log.printf(Locale.ROOT, "[2/4] base model: pre-training %s on general English, %,d tokens -> %s%n",
        "a 4-layer Llama", s.baseTokens(), base);
    ContinualPretrainer pretrain = ContinualPretrainer.from(init)
        .rewarm(Rewarm.to(3e-3).warmupFraction(0.05).cosineTo(3e-4))
        .data(general.train()).tokens(s.baseTokens()).sequenceLength(s.sequenceLength())
        .batchTokens((long) s.batchRows() * s.sequenceLength())
        .validateOn("general", general.validation()).validationTokens(16L * s.sequenceLength()).evaluateEvery(25)
        .dataCache(s.work().resolve("data")).output(run);
    listeners.forEach(pretrain::listener);
    TrainingReport r = pretrain.train();
    Files.move(r.finalModel(), base, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.deleteTree(init);
    log.printf(Locale.ROOT, "      general loss %.3f -> %.3f%n", r.evaluation().set("general").initialLoss(),
        r.evaluation().set("general").finalLoss());
    return base;
  }
}
