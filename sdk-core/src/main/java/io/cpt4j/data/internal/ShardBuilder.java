package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokenizes documents into a {@link ShardWriter}, three stages overlapping:
 *
 * <ol>
 *   <li>the calling thread reads documents and cuts them into batches of {@code batchDocuments};
 *   <li>{@code threads} tokenizer threads each encode a whole batch (texts and rendered metadata
 *       prefixes) with one {@link Tokenizer#encodeBatch} call and check that every id fits the dtype;
 *   <li>the calling thread writes finished batches in document order while later ones tokenize.
 * </ol>
 *
 * At most {@code 2 × threads} batches, and about {@link #MAX_IN_FLIGHT_CHARS} characters, are in
 * flight, which bounds memory; a batch is cut early at {@link #MAX_BATCH_CHARS}. With DJL's HF tokenizer
 * one {@code encodeBatch} call already runs on the native library's pool (one thread per core);
 * several calls in flight keep that pool busy across the straggler at the end of each batch and
 * run the Java side of each call (copying ids out) in parallel.
 */
final class ShardBuilder {
  private ShardBuilder() {}

  private static final Logger LOG = LoggerFactory.getLogger(ShardStore.class);

  /** A batch is cut early when its texts reach this many characters (very long documents). */
  static final long MAX_BATCH_CHARS = 16L << 20;

  /** Reading waits while the batches in flight hold more characters than this (about 128 MB of text). */
  static final long MAX_IN_FLIGHT_CHARS = 64L << 20;

  /** Progress is logged each time this many more documents have been written. */
  static final long LOG_EVERY_DOCUMENTS = 100_000;

  /** Counts of what was written. */
  record Totals(long documents, long tokens, long prefixTokens, double seconds) {}

  private record Encoded(int[][] tokens, int[][] prefixes) {}

  static Totals run(String sourceName, Stream<Document> documents, Tokenizer tokenizer, ShardOptions options,
      int width, ShardWriter writer) throws IOException {
    MetadataTemplate template =
        options.metadataTemplate() == null ? null : new MetadataTemplate(options.metadataTemplate());
    int threads = options.threads();
    ExecutorService pool = Executors.newFixedThreadPool(threads,
        Thread.ofPlatform().daemon().name("cpt4j-tokenize-", 0).factory());
    ArrayDeque<Future<Encoded>> inFlight = new ArrayDeque<>();
    ArrayDeque<Long> inFlightChars = new ArrayDeque<>();
    long chars = 0;
    Progress progress = new Progress(sourceName);
    try {
      Iterator<Document> it = documents.iterator();
      long submitted = 0;
      long batchChars = 0;
      List<Document> batch = new ArrayList<>(options.batchDocuments());
      while (true) {
        boolean more = it.hasNext();
        if (more) {
          Document d = it.next();
          batch.add(d);
          batchChars += d.text().length();
        }
        if (batch.size() == options.batchDocuments() || batchChars >= MAX_BATCH_CHARS || (!more && !batch.isEmpty())) {
          List<Document> docs = batch;
          long first = submitted;
          inFlight.add(pool.submit(() -> encode(docs, first, tokenizer, template, width)));
          inFlightChars.add(batchChars);
          chars += batchChars;
          submitted += docs.size();
          batch = new ArrayList<>(options.batchDocuments());
          batchChars = 0;
        }
        while (!inFlight.isEmpty() && (inFlight.size() >= 2 * threads || chars > MAX_IN_FLIGHT_CHARS || !more)) {
          progress.wrote(write(await(inFlight.poll()), writer));
          chars -= inFlightChars.poll();
        }
        if (!more) {
          break;
        }
      }
      return progress.done();
    } finally {
      inFlight.forEach(f -> f.cancel(true));
      pool.shutdownNow();
    }
  }

  private static Encoded encode(List<Document> docs, long first, Tokenizer tokenizer, MetadataTemplate template,
      int width) {
    List<String> texts = new ArrayList<>(docs.size() * (template == null ? 1 : 2));
    for (Document d : docs) {
      texts.add(d.text());
    }
    String[] rendered = new String[docs.size()];
    if (template != null) {
      for (int i = 0; i < docs.size(); i++) {
        rendered[i] = template.render(docs.get(i).metadata());
        if (!rendered[i].isEmpty()) {
          texts.add(rendered[i]);
        }
      }
    }
    List<int[]> ids = tokenizer.encodeBatch(texts);
    if (ids.size() != texts.size()) {
      throw new DataException("the tokenizer returned " + ids.size() + " encodings for " + texts.size() + " texts");
    }
    int[][] tokens = new int[docs.size()][];
    int[][] prefixes = new int[docs.size()][];
    int next = docs.size();
    for (int i = 0; i < docs.size(); i++) {
      tokens[i] = check(ids.get(i), width, first + i, docs.get(i), "");
      prefixes[i] = rendered[i] == null || rendered[i].isEmpty() ? new int[0]
          : check(ids.get(next++), width, first + i, docs.get(i), "metadata prefix of ");
    }
    return new Encoded(tokens, prefixes);
  }

  private static int[] check(int[] ids, int width, long index, Document doc, String what) {
    long maxId = ShardFormat.maxId(width);
    for (int id : ids) {
      if (id < 0 || id > maxId) {
        throw new DataException("the tokenizer gave id " + id + " in the " + what + "document " + index + " ("
            + doc.origin() + "), which does not fit " + ShardFormat.dtypeName(width)
            + " token shards (ids 0.." + maxId + ")");
      }
    }
    return ids;
  }

  private static Encoded await(Future<Encoded> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataException("interrupted while tokenizing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new DataException("tokenizing failed: " + e.getCause(), e.getCause());
    }
  }

  private static long[] write(Encoded batch, ShardWriter writer) throws IOException {
    long tokens = 0;
    long prefixTokens = 0;
    for (int i = 0; i < batch.tokens().length; i++) {
      writer.add(batch.tokens()[i], batch.prefixes()[i]);
      tokens += batch.tokens()[i].length;
      prefixTokens += batch.prefixes()[i].length;
    }
    return new long[] {batch.tokens().length, tokens, prefixTokens};
  }

  /** Counts written documents and tokens and logs the rates every {@link #LOG_EVERY_DOCUMENTS}. */
  private static final class Progress {
    private final String source;
    private final long start = System.nanoTime();
    private long documents;
    private long tokens;
    private long prefixTokens;
    private long nextLog = LOG_EVERY_DOCUMENTS;

    Progress(String source) {
      this.source = source;
    }

    void wrote(long[] counts) {
      documents += counts[0];
      tokens += counts[1];
      prefixTokens += counts[2];
      if (documents >= nextLog) {
        nextLog = (documents / LOG_EVERY_DOCUMENTS + 1) * LOG_EVERY_DOCUMENTS;
        if (LOG.isInfoEnabled()) {
          LOG.info(line());
        }
      }
    }

    Totals done() {
      return new Totals(documents, tokens, prefixTokens, seconds());
    }

    private double seconds() {
      return Math.max(1e-9, (System.nanoTime() - start) / 1e9);
    }

    private String line() {
      double s = seconds();
      return String.format(Locale.ROOT,
          "tokenized %s: %,d documents, %,d tokens in %.1f s (%,.0f documents/s, %,.0f tokens/s)",
          source, documents, tokens, s, documents / s, tokens / s);
    }
  }
}
