package io.cpt4j.eval.internal;

import io.cpt4j.data.TokenDataset;
import java.nio.file.Path;
import java.util.Arrays;

/** An in-memory {@link TokenDataset} over {@code int[][]} documents; counts the tokens read. */
final class ArrayTokenDataset implements TokenDataset {
  private final int[][] documents;
  long tokensRead;

  ArrayTokenDataset(int[]... documents) {
    this.documents = documents.clone();
  }

  @Override
  public Path directory() {
    return Path.of("in-memory");
  }

  @Override
  public String sourceName() {
    return "array";
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
    int[] doc = documents[Math.toIntExact(i)];
    if (from < 0 || length < 0 || from + length > doc.length) {
      throw new IndexOutOfBoundsException("document " + i + " has " + doc.length + " tokens, read [" + from + ", "
          + (from + length) + ")");
    }
    System.arraycopy(doc, from, dst, offset, length);
    tokensRead += length;
  }

  @Override
  public int[] metadataPrefix(long i) {
    return new int[0];
  }

  @Override
  public String fingerprint() {
    return "array:" + Arrays.deepHashCode(documents);
  }

  @Override
  public boolean reused() {
    return false;
  }

  @Override
  public void close() {}
}
