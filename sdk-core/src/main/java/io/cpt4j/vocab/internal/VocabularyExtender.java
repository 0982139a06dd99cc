package io.cpt4j.vocab.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import io.cpt4j.tokenize.Tokenizer;
import io.cpt4j.tokenize.internal.MergeLearner;
import io.cpt4j.tokenize.internal.WordCounts;
import io.cpt4j.vocab.VocabularyException;
import io.cpt4j.vocab.VocabularyExtension;
import io.cpt4j.vocab.VocabularyReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Vocabulary extension (see {@link VocabularyExtension}): checks the request against the base, counts
 * the corpus's words as the base tokenizer splits them, tokenizes each with the base merges, learns
 * new merges with a {@link MergeLearner} that never respells an existing token, writes the extended
 * tokenizer.json and config.json to a staging directory, measures tokens per byte with both
 * tokenizers, and writes the checkpoint with the embedding and head grown ({@link ResizedRows})
 * through the atomic {@link CheckpointWriter}. Stateless.
 */
final class VocabularyExtender {
  private VocabularyExtender() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Token ids that uint16 token shards hold. */
  static final int UINT16_IDS = 65_536;
  private static final int BATCH = 256;

  static VocabularyReport extend(VocabularyExtension options, Path output) {
    long started = System.nanoTime();
    Path base = options.base();
    if (!options.overwrites() && Files.exists(output) && !(Files.isDirectory(output) && isEmptyDirectory(output))) {
      throw new VocabularyException(output + " exists and is not empty: choose another output or overwrite it");
    }
    try (Checkpoint ckpt = Checkpoint.open(base)) {
      BpeTokenizerFile tok = BpeTokenizerFile.read(base.resolve("tokenizer.json"));
      int idsBefore = tok.nextId();
      int rowsBefore = ckpt.config().vocabSize();
      if (rowsBefore < idsBefore) {
        throw new VocabularyException(base + ": config.json's vocab_size " + rowsBefore + " is smaller than the "
            + idsBefore + " token ids of its tokenizer; the checkpoint has no rows for some of its tokens");
      }
      checkIdRange(base, idsBefore, options);
      String[] corpusNames = options.corpus().stream().map(Source::location).toArray(String[]::new);
      WordCounts counted = WordCounts.count(texts(options.corpus()), tok.addedTokens,
          Math.max(1, Runtime.getRuntime().availableProcessors()), tok.preTokenization);
      if (counted.counts().isEmpty()) {
        throw new VocabularyException("the corpus (" + String.join(", ", corpusNames) + ") holds no text to learn from");
      }
      int[][] words = new int[counted.counts().size()][];
      long[] freq = new long[words.length];
      int w = 0;
      for (Map.Entry<String, long[]> e : counted.counts().entrySet()) {
        words[w] = tok.encode(e.getKey());
        freq[w++] = e.getValue()[0];
      }
      MergeLearner learner = new MergeLearner(tok.tokens, words, freq, tok::mergeable, false);
      int added = learner.learn(options.tokensToAdd(), options.minFrequency());
      if (added == 0) {
        throw new VocabularyException("no pair of tokens occurs " + options.minFrequency() + " times in the corpus ("
            + String.join(", ", corpusNames) + "): nothing to add, nothing written");
      }
      List<String> newTokens = learner.tokens().subList(idsBefore, idsBefore + added);
      List<int[]> expansions = expansions(learner.merges(), idsBefore);
      int rowsAfter = Math.max(rowsBefore, idsBefore + added);
      Path staging = Files.createTempDirectory("cpt4j-vocab");
      try {
        Path tokenizer = staging.resolve("tokenizer.json");
        List<String[]> merges = learner.merges().stream()
            .map(m -> new String[] {learner.tokens().get(m[0]), learner.tokens().get(m[1])}).toList();
        tok.writeExtended(tokenizer, newTokens, merges);
        Path config = staging.resolve("config.json");
        ObjectNode cfg = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
        cfg.put("vocab_size", rowsAfter);
        Files.writeString(config, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n");
        long[] measured = measure(options.corpus(), base.resolve("tokenizer.json"), tokenizer);
        List<Tensor> tensors = resized(ckpt, rowsBefore, rowsAfter, idsBefore, expansions);
        CheckpointWriter.to(output).copyFilesFrom(ckpt).config(ModelConfig.read(config)).copyFile(config)
            .copyFile(tokenizer).overwrite(options.overwrites())
            .metadata(Map.of("cpt4j_vocabulary", "extended by " + added + " tokens from " + idsBefore + " ids"))
            .write(tensors);
        List<VocabularyReport.NewToken> report = new ArrayList<>();
        for (int k = 0; k < added; k++) {
          report.add(new VocabularyReport.NewToken(idsBefore + k, newTokens.get(k),
              Arrays.stream(expansions.get(k)).boxed().toList(), learner.mergeCounts().get(k)));
        }
        return new VocabularyReport(output, options.tokensToAdd(), report, learner.stoppedAt(), idsBefore,
            idsBefore + added, rowsBefore, rowsAfter, measured[0], measured[1], measured[2],
            Duration.ofNanos(System.nanoTime() - started));
      } finally {
        try (Stream<Path> files = Files.list(staging)) {
          for (Path p : files.toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(staging);
      }
    } catch (IOException e) {
      throw new CheckpointException(output, "cannot stage the extended tokenizer and config: " + e.getMessage(), e);
    }
  }

  /** Refuses a vocabulary past the id type of its token shards (uint16 unless allowed wider) or of Java's int. */
  private static void checkIdRange(Path base, int idsBefore, VocabularyExtension options) {
    long wanted = (long) idsBefore + options.tokensToAdd();
    boolean uint16 = idsBefore <= UINT16_IDS && !options.allowsWiderTokenIds();
    long limit = uint16 ? UINT16_IDS : Integer.MAX_VALUE;
    if (wanted > limit) {
      throw new VocabularyException("adding " + options.tokensToAdd() + " tokens to the " + idsBefore + " ids of "
          + base + " would make " + wanted + " ids, past the " + limit + (uint16
          ? " that uint16 token shards hold: add at most " + (limit - idsBefore) + ", or allow 4-byte token ids "
            + "(allowWiderTokenIds / --allow-wider-token-ids)"
          : " token ids cpt4j supports (int32): add at most " + (limit - idsBefore)));
    }
  }

  /** For each new token (in id order), the base tokens it stands for: its merge's two sides, expanded. */
  static List<int[]> expansions(List<int[]> merges, int firstNew) {
    List<int[]> out = new ArrayList<>(merges.size());
    for (int[] m : merges) {
      int[] a = m[0] < firstNew ? new int[] {m[0]} : out.get(m[0] - firstNew);
      int[] b = m[1] < firstNew ? new int[] {m[1]} : out.get(m[1] - firstNew);
      out.add(IntStream.concat(Arrays.stream(a), Arrays.stream(b)).toArray());
    }
    return out;
  }

  /** The base's tensors with the embedding and LM head (if stored) grown to {@code rowsAfter} rows. */
  private static List<Tensor> resized(Checkpoint ckpt, int rowsBefore, int rowsAfter, int firstNew,
      List<int[]> expansions) {
    List<String> matrices = List.of(ckpt.config().names().embedding() + ".weight",
        ckpt.config().names().head() + ".weight");
    List<Tensor> out = new ArrayList<>();
    boolean embedding = false;
    for (TensorInfo t : ckpt.tensors()) {
      Tensor source = ckpt.tensor(t.name());
      if (matrices.contains(t.name()) && t.shape().size() == 2 && t.shape().getFirst() == rowsBefore) {
        embedding |= t.name().equals(matrices.getFirst());
        out.add(new ResizedRows(source, rowsAfter, firstNew, expansions));
      } else {
        out.add(source);
      }
    }
    if (!embedding) {
      throw new VocabularyException(ckpt.directory() + ": no embedding " + matrices.getFirst() + " of "
          + rowsBefore + " rows to grow");
    }
    return out;
  }

  /** {corpus bytes, base tokens, new tokens}: the corpus encoded by both tokenizers, no special tokens. */
  private static long[] measure(List<Source> corpus, Path before, Path after) {
    long[] sums = new long[3];
    try (Tokenizer old = Tokenizer.open(before); Tokenizer grown = Tokenizer.open(after)) {
      List<String> batch = new ArrayList<>();
      Runnable flush = () -> {
        for (int[] ids : old.encodeBatch(batch)) {
          sums[1] += ids.length;
        }
        for (int[] ids : grown.encodeBatch(batch)) {
          sums[2] += ids.length;
        }
        batch.clear();
      };
      for (String text : texts(corpus)) {
        sums[0] += text.getBytes(StandardCharsets.UTF_8).length;
        batch.add(text);
        if (batch.size() == BATCH) {
          flush.run();
        }
      }
      flush.run();
    }
    return sums;
  }

  private static Iterable<String> texts(List<Source> corpus) {
    return () -> corpus.stream().flatMap(Source::documents).map(Document::text).iterator();
  }

  private static boolean isEmptyDirectory(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
