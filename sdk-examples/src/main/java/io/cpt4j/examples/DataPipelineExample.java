package io.cpt4j.examples;

import io.cpt4j.backend.Batch;
import io.cpt4j.quickstart.Corpora;
import io.cpt4j.data.Document;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.SamplerStats;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The data pipeline end to end on the two bundled corpora: Java source code (Guava, Commons Lang) as
 * the new domain and the State of the Union addresses as replayed general English.
 *
 * <ol>
 *   <li>train an 8,192-token byte-level BPE tokenizer on both corpora;
 *   <li>hold out 5 % of each corpus for validation and tokenize both sides into token shards (a
 *       second run reuses them);
 *   <li>mix code and replay 50/50 at the start, moving linearly to 95/5 at the end, packed into
 *       rows of 256 positions, and show the realised shares per window of batches;
 *   <li>save the sampler state half-way, restore it into a fresh sampler and check that it continues
 *       with the same batches.
 * </ol>
 *
 * <p>Run: {@code ./mvnw -B -q install -DskipTests && java -cp ... io.cpt4j.examples.DataPipelineExample
 * [WORK_DIR]} (default work directory {@code sdk-examples/target/data-example}).
 */
public final class DataPipelineExample {
  private DataPipelineExample() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "sdk-examples/target/data-example");
    Files.createDirectories(work);
    Source code = Corpora.javaCode().named("code");
    Source general = Corpora.sotu().named("sotu");

    Path tokenizerFile = work.resolve("tokenizer.json");
    if (!Files.exists(tokenizerFile)) {
      long start = System.nanoTime();
      try (Stream<Document> a = code.documents(); Stream<Document> b = general.documents()) {
        var trained = BpeTrainer.vocabSize(8192).train(Stream.concat(a, b).map(Document::text), tokenizerFile);
        System.out.printf(Locale.ROOT, "tokenizer: %d tokens from %.1f MB in %.1f s%n", trained.vocabSize(),
            trained.corpusBytes() / 1e6, (System.nanoTime() - start) / 1e9);
      }
    }

    try (Tokenizer tokenizer = Tokenizer.open(tokenizerFile)) {
      int eos = tokenizer.tokenId(BpeTrainer.END_OF_TEXT).orElseThrow();
      Source.Split codeSplit = code.split(0.05, 1);
      Source.Split generalSplit = general.split(0.05, 1);
      List<TokenDataset> all = List.of(
          TokenDataset.prepare(codeSplit.train(), tokenizer, work.resolve("shards/code/train")),
          TokenDataset.prepare(codeSplit.validation(), tokenizer, work.resolve("shards/code/validation")),
          TokenDataset.prepare(generalSplit.train(), tokenizer, work.resolve("shards/sotu/train")),
          TokenDataset.prepare(generalSplit.validation(), tokenizer, work.resolve("shards/sotu/validation")));
      try {
        for (TokenDataset d : all) {
          System.out.printf(Locale.ROOT, "%-16s %6d documents %10d tokens%s%n", d.sourceName(), d.documentCount(),
              d.tokenCount(), d.reused() ? " (reused)" : "");
        }
        Mixture mixture = Mixture.of(codeSplit.train(), 0.5).replay(generalSplit.train(), 0.5)
            .at(1.0, 0.95, 0.05).seed(42);
        List<TokenDataset> train = List.of(all.get(0), all.get(2));
        Packing packing = Packing.packed(256, eos);
        int rows = 8;
        int batches = 400;
        long planned = (long) batches * rows * 256;
        MixtureSampler sampler = MixtureSampler.create(mixture, train, packing, planned);
        String halfway = null;
        Batch[] secondHalf = new Batch[batches / 2];
        long[] windowStart = new long[2];
        System.out.println("\nbatches      scheduled code share   realised code share (window)");
        for (int i = 0; i < batches; i++) {
          if (i == batches / 2) {
            halfway = sampler.saveState();
          }
          Batch b = sampler.next(rows);
          if (i >= batches / 2) {
            secondHalf[i - batches / 2] = b;
          }
          if ((i + 1) % 50 == 0) {
            SamplerStats s = sampler.stats();
            long codeTokens = s.sources().get("code/train").tokens();
            long generalTokens = s.sources().get("sotu/train").tokens();
            double share = (double) (codeTokens - windowStart[0])
                / (codeTokens - windowStart[0] + generalTokens - windowStart[1]);
            double scheduled = mixture.weightsAt((i + 1 - 25) * (double) rows * 256 / planned)[0];
            System.out.printf(Locale.ROOT, "%3d-%3d      %.3f (mid-window)        %.3f%n", i - 48, i + 1, scheduled,
                share);
            windowStart[0] = codeTokens;
            windowStart[1] = generalTokens;
          }
        }
        SamplerStats s = sampler.stats();
        System.out.printf(Locale.ROOT, "%n%d rows, positions without loss: %.2f %% (padding %.2f %%)%n", s.rows(),
            100 * s.wasteFraction(), 100 * s.paddingFraction());
        s.sources().forEach((name, st) -> System.out.printf(Locale.ROOT,
            "  %-12s %8d tokens %5d rows %5d documents started, %d epochs done%n", name, st.tokens(), st.rows(),
            st.documentsStarted(), st.epochsCompleted()));

        MixtureSampler resumed = MixtureSampler.create(mixture, train, packing, planned);
        resumed.restoreState(halfway);
        for (Batch expected : secondHalf) {
          if (!sameBatch(resumed.next(rows), expected)) {
            throw new IllegalStateException("a resumed sampler produced a different batch");
          }
        }
        System.out.println("resume: the restored sampler reproduced all " + secondHalf.length + " batches");
      } finally {
        all.forEach(TokenDataset::close);
      }
    }
  }

  private static boolean sameBatch(Batch a, Batch b) {
    return a.rows() == b.rows() && a.length() == b.length() && java.util.Arrays.equals(a.inputIds(), b.inputIds())
        && java.util.Arrays.equals(a.targets(), b.targets()) && java.util.Arrays.equals(a.weights(), b.weights())
        && java.util.Arrays.equals(a.documentIds(), b.documentIds());
  }
}
