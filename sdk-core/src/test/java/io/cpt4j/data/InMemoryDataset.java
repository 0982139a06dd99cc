package io.cpt4j.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * A {@link TokenDataset} over documents held in memory, for sampler tests. Generated datasets give
 * every token a meaning: {@link #token} encodes (source, document, position), so a row's source,
 * and a token's document, can be read back from a batch. Metadata prefix tokens lie in their own
 * range ({@link #prefixToken}); {@link #EOS} and {@link #PAD} are below both.
 */
public final class InMemoryDataset implements TokenDataset {
  public static final int PAD = 0;
  public static final int EOS = 1;

  private final String name;
  private final int[][] documents;
  private final int[][] prefixes;

  public InMemoryDataset(String name, int[][] documents, int[][] prefixes) {
    this.name = name;
    this.documents = documents;
    this.prefixes = prefixes;
  }

  /** Token {@code position} of document {@code doc} of source {@code source} (doc < 100, position < 1000). */
  public static int token(int source, int doc, int position) {
    return 100_000 * (source + 1) + doc * 1000 + position;
  }

  /** Token {@code k} of the metadata prefix of document {@code doc} (doc < 100, k < 10). */
  public static int prefixToken(int source, int doc, int k) {
    return 10_000 * (source + 1) + doc * 10 + k;
  }

  public static boolean isPrefixToken(int token) {
    return token >= 10_000 && token < 100_000;
  }

  /** The source a document or prefix token belongs to, -1 for EOS and padding. */
  public static int sourceOf(int token) {
    if (token >= 100_000) {
      return token / 100_000 - 1;
    }
    return isPrefixToken(token) ? token / 10_000 - 1 : -1;
  }

  /** The document a document token belongs to. */
  public static int documentOf(int token) {
    return (token % 100_000) / 1000;
  }

  /** {@code count} documents with seeded lengths in [minLength, maxLength]. */
  public static InMemoryDataset generated(String name, int source, int count, int minLength, int maxLength,
      long seed) {
    Random random = new Random(seed);
    int[][] docs = new int[count][];
    for (int i = 0; i < count; i++) {
      int n = minLength + random.nextInt(maxLength - minLength + 1);
      docs[i] = new int[n];
      for (int j = 0; j < n; j++) {
        docs[i][j] = token(source, i, j);
      }
    }
    return new InMemoryDataset(name, docs, null);
  }

  /** A copy whose document {@code i} has the metadata prefix {@code prefix.apply(i)}. */
  public InMemoryDataset withPrefixes(IntFunction<int[]> prefix) {
    int[][] p = new int[documents.length][];
    for (int i = 0; i < p.length; i++) {
      p[i] = prefix.apply(i);
    }
    return new InMemoryDataset(name, documents, p);
  }

  public int[] documentTokens(int i) {
    return documents[i].clone();
  }

  @Override
  public Path directory() {
    return Path.of("memory", name);
  }

  @Override
  public String sourceName() {
    return name;
  }

  @Override
  public long documentCount() {
    return documents.length;
  }

  @Override
  public long tokenCount() {
    return Arrays.stream(documents).mapToLong(d -> d.length).sum();
  }

  @Override
  public int documentLength(long i) {
    return documents[Math.toIntExact(i)].length;
  }

  @Override
  public void read(long i, int from, int[] dst, int offset, int length) {
    System.arraycopy(documents[Math.toIntExact(i)], from, dst, offset, length);
  }

  @Override
  public int[] metadataPrefix(long i) {
    return prefixes == null ? new int[0] : prefixes[Math.toIntExact(i)].clone();
  }

  @Override
  public String fingerprint() {
    return name + ":" + Integer.toHexString(Arrays.deepHashCode(documents) * 31 + Arrays.deepHashCode(prefixes));
  }

  @Override
  public boolean reused() {
    return false;
  }

  @Override
  public void close() {}
}
