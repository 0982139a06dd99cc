package io.cpt4j.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.data.Document;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.examples.bench.TrainingThroughputBenchmark.CpuSample;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.Tokenizer;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipFile;

/**
 * Tokens/s of building token shards (read + tokenize + write: {@link TokenDataset#prepare} into a
 * fresh directory, fsync and rename included) against the tokenizer's raw batch-encode throughput on
 * the same documents in the same batches, results discarded, measured in the same run in
 * alternating rounds. Two baselines: {@code encodeBatch} called by one thread, batch after batch,
 * and by {@code THREADS} threads taking batches in turn (the shard builder's own arrangement,
 * without the reading and writing). The baselines encode documents held in memory; the build reads
 * them from a JSON Lines copy in the work directory (written once, so it is in the page cache: the
 * reading measured is JSON decoding, not the disk).
 *
 * <p>Each measurement also reports the process's CPU seconds and how many cores other processes
 * kept busy meanwhile ({@code /proc/stat}): on a shared machine that, not the code, often decides
 * the time, and the rounds alternate so that load hits all three alike. The tokens per CPU-second
 * ratio is the steadier figure on a loaded machine.
 *
 * <p>Corpus (first match): the {@code CORPUS} argument (a directory of text files, a {@code .jsonl}
 * or {@code .jsonl.gz} file with {@code --field NAME}, or a {@code .zip}/{@code .jar} of sources);
 * {@code sdk-quickstart/target/corpora/java}; the JDK's {@code lib/src.zip} ({@code java.base}); a
 * Guava sources jar in {@code ~/.m2}; else generated text. The first {@code --mb} megabytes (default
 * 8) are used. Tokenizer: {@code --tokenizer tokenizer.json}, or a byte-level BPE of 8,192 tokens
 * trained with {@link BpeTrainer} on the first quarter of the corpus.
 *
 * <p>Run: {@code ./mvnw -B -o -q package -pl sdk-examples -am -DskipTests && java
 * --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-core/target/classes:
 * sdk-api/target/classes:$(./mvnw -B -o -q dependency:build-classpath -pl sdk-examples
 * -Dmdep.outputFile=/dev/stdout)" io.cpt4j.examples.bench.ShardThroughputBenchmark [CORPUS]
 * [--field F] [--tokenizer PATH] [--threads 2] [--rounds 5] [--mb 8] [--batch 256]}
 */
public final class ShardThroughputBenchmark {
  private ShardThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new java.util.HashMap<>(Map.of("--threads", "2", "--rounds", "5", "--mb", "8",
        "--batch", "256"));
    String corpusArg = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        opt.put(args[i], args[++i]);
      } else {
        corpusArg = args[i];
      }
    }
    int threads = Integer.parseInt(opt.get("--threads"));
    int rounds = Integer.parseInt(opt.get("--rounds"));
    int batch = Integer.parseInt(opt.get("--batch"));
    long maxChars = (long) (Double.parseDouble(opt.get("--mb")) * 1_000_000);
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }

    Path work = Files.createTempDirectory("cpt4j-shard-bench");
    try {
      Corpus corpus = Corpus.load(corpusArg, opt.get("--field"), maxChars);
      System.out.printf(Locale.ROOT, "corpus: %s: %,d documents, %,d characters%n", corpus.description(),
          corpus.docs().size(), corpus.docs().stream().mapToLong(d -> d.text().length()).sum());
      Path tokenizerJson;
      if (opt.containsKey("--tokenizer")) {
        tokenizerJson = Path.of(opt.get("--tokenizer"));
      } else {
        List<String> head = corpus.docs().subList(0, Math.max(1, corpus.docs().size() / 4)).stream()
            .map(Document::text).toList();
        long t0 = System.nanoTime();
        tokenizerJson = BpeTrainer.vocabSize(8192).threads(threads).train(head, work.resolve("tokenizer.json")).file();
        System.out.printf(Locale.ROOT, "tokenizer: byte-level BPE, 8192 tokens, trained on %,d documents in %.1f s%n",
            head.size(), (System.nanoTime() - t0) / 1e9);
      }
      try (Tokenizer tokenizer = Tokenizer.open(tokenizerJson)) {
        run(corpus.docs(), tokenizer, work, threads, rounds, batch);
      }
    } finally {
      try (Stream<Path> paths = Files.walk(work)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  record Measurement(String name, long tokens, double seconds, double cpuSeconds, double otherCores) {
    double tokensPerSecond() {
      return tokens / seconds;
    }

    /** Less sensitive to other processes than tokens/s, but counts the native pool's spin-waiting. */
    double tokensPerCpuSecond() {
      return tokens / cpuSeconds;
    }
  }

  interface Job {
    long run() throws Exception;
  }

  static Measurement measure(String name, Job job) throws Exception {
    CpuSample before = CpuSample.now();
    long tokens = job.run();
    CpuSample after = CpuSample.now();
    double seconds = (after.wallNanos() - before.wallNanos()) / 1e9;
    return new Measurement(name, tokens, seconds, after.selfSeconds() - before.selfSeconds(), after.otherCores(before));
  }

  /** The documents as a JSON Lines file (one {@code {"text": ...}} per line), as a source. */
  static Source jsonlCopy(List<Document> docs, Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Document d : docs) {
        out.write(mapper.writeValueAsString(Map.of("text", d.text())));
        out.write('\n');
      }
    }
    return Source.jsonl(file, "text").named("bench");
  }

  static void run(List<Document> docs, Tokenizer tokenizer, Path work, int threads, int rounds, int batch)
      throws Exception {
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < docs.size(); i += batch) {
      batches.add(docs.subList(i, Math.min(docs.size(), i + batch)).stream().map(Document::text).toList());
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    ShardOptions options = ShardOptions.builder().threads(threads).batchDocuments(batch).build();
    System.out.printf(Locale.ROOT, "%d threads, batches of %d documents, %d rounds; %d cores; %s %s%n%n", threads,
        batch, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        Runtime.version());
    encodeOne(tokenizer, batches.subList(0, Math.min(batches.size(), 4))); // warm-up: JIT, native pool

    List<Job> jobs = new ArrayList<>();
    List<String> names = List.of("encodeBatch, 1 caller", "encodeBatch, " + threads + " callers", "build shards");
    jobs.add(() -> encodeOne(tokenizer, batches));
    jobs.add(() -> encodeParallel(tokenizer, batches, pool, threads));
    AtomicInteger built = new AtomicInteger();
    Source corpus = jsonlCopy(docs, work.resolve("corpus.jsonl"));
    jobs.add(() -> {
      Path dir = work.resolve("shards-" + built.incrementAndGet());
      try (TokenDataset ds = TokenDataset.prepare(corpus, tokenizer, dir, options)) {
        return ds.tokenCount();
      } finally {
        deleteTree(dir);
      }
    });
    System.out.println("| round | measurement | tokens/s | s | process CPU s | other processes, cores busy |");
    System.out.println("|---:|---|---:|---:|---:|---:|");
    List<double[]> ratios = new ArrayList<>(); // per round: build / 1 caller, build / N callers
    for (int r = 0; r < rounds; r++) {
      Measurement[] m = new Measurement[3];
      for (int k = 0; k < 3; k++) {
        int j = r % 2 == 0 ? k : 2 - k; // alternate the order
        m[j] = measure(names.get(j), jobs.get(j));
        System.out.printf(Locale.ROOT, "| %d | %s | %,.0f | %.2f | %.2f | %.2f |%n", r + 1, m[j].name(),
            m[j].tokensPerSecond(), m[j].seconds(), m[j].cpuSeconds(), m[j].otherCores());
      }
      if (m[0].tokens() != m[2].tokens() || m[1].tokens() != m[2].tokens()) {
        throw new IllegalStateException("token counts differ: " + m[0].tokens() + ", " + m[1].tokens() + ", "
            + m[2].tokens());
      }
      ratios.add(new double[] {m[2].tokensPerSecond() / m[0].tokensPerSecond(),
          m[2].tokensPerSecond() / m[1].tokensPerSecond(), m[2].tokensPerCpuSecond() / m[0].tokensPerCpuSecond(),
          Math.max(m[0].otherCores(), Math.max(m[1].otherCores(), m[2].otherCores()))});
    }
    pool.shutdown();
    System.out.printf(Locale.ROOT, "%n| round | build ÷ encodeBatch 1 caller | build ÷ encodeBatch %d callers "
        + "| tokens per CPU-second, build ÷ 1 caller | most other-process load in the round (cores) |%n"
        + "|---:|---:|---:|---:|---:|%n", threads);
    for (int r = 0; r < ratios.size(); r++) {
      double[] row = ratios.get(r);
      System.out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.2f |%n", r + 1, row[0], row[1], row[2], row[3]);
    }
    System.out.printf(Locale.ROOT, "%nmedian tokens/s ratio: %.2f against 1 caller, %.2f against %d callers "
        + "(goal >= 0.8); median CPU-efficiency ratio %.2f%n", median(ratios, 0), median(ratios, 1), threads, median(ratios, 2));
  }

  static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static long encodeOne(Tokenizer tokenizer, List<List<String>> batches) {
    long tokens = 0;
    for (List<String> b : batches) {
      for (int[] ids : tokenizer.encodeBatch(b)) {
        tokens += ids.length;
      }
    }
    return tokens;
  }

  static long encodeParallel(Tokenizer tokenizer, List<List<String>> batches, ExecutorService pool, int threads)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Future<Long>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      parts.add(pool.submit(() -> {
        long tokens = 0;
        for (int i = next.getAndIncrement(); i < batches.size(); i = next.getAndIncrement()) {
          for (int[] ids : tokenizer.encodeBatch(batches.get(i))) {
            tokens += ids.length;
          }
        }
        return tokens;
      }));
    }
    long tokens = 0;
    for (Future<Long> f : parts) {
      tokens += f.get();
    }
    return tokens;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Documents read into memory by simple file loading (the benchmark does not measure reading). */
  record Corpus(String description, List<Document> docs) {
    static Corpus load(String arg, String field, long maxChars) throws IOException {
      if (arg != null) {
        return from(Path.of(arg), field, maxChars);
      }
      Path corpora = Path.of("sdk-quickstart/target/corpora/java");
      if (Files.isDirectory(corpora)) {
        return from(corpora, null, maxChars);
      }
      Path src = Path.of(System.getProperty("java.home"), "lib", "src.zip");
      if (Files.isRegularFile(src)) {
        return from(src, null, maxChars);
      }
      Path guava = Path.of(System.getProperty("user.home"), ".m2/repository/com/google/guava/guava");
      if (Files.isDirectory(guava)) {
        try (Stream<Path> s = Files.walk(guava)) {
          var jar = s.filter(p -> p.getFileName().toString().endsWith("-sources.jar")).sorted().findFirst();
          if (jar.isPresent()) {
            return from(jar.get(), null, maxChars);
          }
        }
      }
      return synthetic(maxChars);
    }

    static Corpus from(Path path, String field, long maxChars) throws IOException {
      List<Document> docs = new ArrayList<>();
      long[] chars = {0};
      String name = path.getFileName().toString();
      if (Files.isDirectory(path)) {
        try (Stream<Path> s = Files.walk(path)) {
          for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
            if (chars[0] >= maxChars) {
              break;
            }
            String n = p.getFileName().toString();
            if (field != null && (n.endsWith(".jsonl") || n.endsWith(".jsonl.gz"))) {
              jsonl(p, field, docs, chars, maxChars);
            } else if (field == null) {
              try (InputStream in = open(p)) {
                add(docs, chars, new String(in.readAllBytes(), StandardCharsets.UTF_8), path.relativize(p).toString());
              }
            }
          }
        }
      } else if (name.endsWith(".zip") || name.endsWith(".jar")) {
        try (ZipFile zip = new ZipFile(path.toFile())) {
          for (var e : zip.stream().filter(e -> e.getName().endsWith(".java"))
              .filter(e -> !name.equals("src.zip") || e.getName().startsWith("java.base/"))
              .sorted(Comparator.comparing(java.util.zip.ZipEntry::getName)).toList()) {
            if (chars[0] >= maxChars) {
              break;
            }
            try (InputStream in = zip.getInputStream(e)) {
              add(docs, chars, new String(in.readAllBytes(), StandardCharsets.UTF_8), e.getName());
            }
          }
        }
      } else if (field != null) {
        jsonl(path, field, docs, chars, maxChars);
      } else {
        throw new IllegalArgumentException(path + ": give a directory, a .zip/.jar, or a JSONL file with --field");
      }
      return new Corpus(path.toAbsolutePath().toString(), docs);
    }

    static void jsonl(Path p, String field, List<Document> docs, long[] chars, long maxChars) throws IOException {
      ObjectMapper json = new ObjectMapper();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(open(p), StandardCharsets.UTF_8))) {
        String line;
        for (int n = 1; (line = r.readLine()) != null && chars[0] < maxChars; n++) {
          if (!line.isBlank()) {
            JsonNode text = json.readTree(line).get(field);
            if (text == null || !text.isTextual()) {
              throw new IOException(p + ":" + n + ": no string field '" + field + "'");
            }
            add(docs, chars, text.asText(), p.getFileName() + "#" + n);
          }
        }
      }
    }

    static InputStream open(Path p) throws IOException {
      InputStream in = new BufferedInputStream(Files.newInputStream(p));
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      return gzip ? new GZIPInputStream(in) : in;
    }

    static void add(List<Document> docs, long[] chars, String text, String origin) {
      docs.add(new Document(text, Map.of(), origin));
      chars[0] += text.length();
    }

    /** Pseudo-English from a fixed vocabulary, when no real text is at hand. */
    static Corpus synthetic(long maxChars) {
      String[] words = ("the of and to in a is that for it as was with be by on not he this are or his from at which "
          + "but have an they you were her she there been one all we their has would when if so no will can more "
          + "shard token index memory model training data source tokenizer corpus document batch").split(" ");
      java.util.SplittableRandom r = new java.util.SplittableRandom(42);
      List<Document> docs = new ArrayList<>();
      long[] chars = {0};
      while (chars[0] < maxChars) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0, n = 50 + r.nextInt(2000); w < n; w++) {
          sb.append(words[(int) Math.min(words.length - 1, Math.abs(r.nextGaussian()) * 12)]).append(w % 17 == 16
              ? ".\n" : " ");
        }
        add(docs, chars, sb.toString(), "synthetic#" + docs.size());
      }
      return new Corpus("synthetic text", docs);
    }
  }
}
