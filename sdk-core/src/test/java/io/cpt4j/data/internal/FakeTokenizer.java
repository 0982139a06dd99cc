package io.cpt4j.data.internal;

import io.cpt4j.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tokenizer for shard tests: one token per code point, id {@code vocabSize - 1 - codePoint %
 * vocabSize} (so a large vocabulary gives ids above 65,535), counting its calls and optionally
 * failing on its n-th batch or claiming a smaller vocabulary than its ids need.
 */
final class FakeTokenizer implements Tokenizer {
  final AtomicInteger batches = new AtomicInteger();
  final AtomicInteger texts = new AtomicInteger();
  private final int vocabSize;
  private final String fingerprint;
  private int failOnBatch;
  private int claimedVocabSize;

  FakeTokenizer(int vocabSize, String fingerprint) {
    this.vocabSize = vocabSize;
    this.fingerprint = fingerprint;
    this.claimedVocabSize = vocabSize;
  }

  /** Throws from the {@code n}-th call of {@link #encodeBatch} (1-based) on. */
  FakeTokenizer failingOnBatch(int n) {
    failOnBatch = n;
    return this;
  }

  /** Reports {@code n} as its vocabulary size whatever ids it gives. */
  FakeTokenizer claimingVocabSize(int n) {
    claimedVocabSize = n;
    return this;
  }

  int id(int codePoint) {
    return vocabSize - 1 - codePoint % vocabSize;
  }

  @Override
  public int[] encode(String text) {
    texts.incrementAndGet();
    return text.codePoints().map(this::id).toArray();
  }

  @Override
  public List<int[]> encodeBatch(List<String> batch) {
    int n = batches.incrementAndGet();
    if (failOnBatch > 0 && n >= failOnBatch) {
      throw new IllegalStateException("tokenizer failure injected at batch " + n);
    }
    List<int[]> out = new ArrayList<>();
    for (String t : batch) {
      out.add(encode(t));
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int vocabSize() {
    return claimedVocabSize;
  }

  @Override
  public OptionalInt tokenId(String token) {
    return OptionalInt.empty();
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public void close() {}
}
