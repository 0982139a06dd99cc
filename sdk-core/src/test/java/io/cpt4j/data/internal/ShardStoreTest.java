package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardStore#build}: round trips, dtype choice, reuse and rebuild, metadata prefixes. */
class ShardStoreTest {
  @TempDir static Path shared;
  @TempDir Path tmp;

  static Path tokenizerJson;
  static List<Document> corpus;

  static final ShardOptions SMALL =
      ShardOptions.builder().threads(2).batchDocuments(7).maxShardTokens(500).build();

  @BeforeAll
  static void trainTokenizer() {
    corpus = corpus(120, 1);
    tokenizerJson = BpeTrainer.vocabSize(400).threads(1)
        .train(corpus.stream().map(Document::text).toList(), shared.resolve("tokenizer.json")).file();
  }

  /** Sentences of varying length in mixed scripts, with every tenth document empty. */
  static List<Document> corpus(int n, long seed) {
    String[] words =
        {"the", "shard", "token", "index", "of", "année", "数据", "🎉", "mmap", "\n\n", "x=1;", "résumé"};
    Random r = new Random(seed);
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = i % 10 == 0 ? 0 : r.nextInt(60);
      for (int w = 0; w < len; w++) {
        sb.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
      }
      docs.add(new Document(sb.toString(), Map.of("url", "example.org/" + i), "corpus#" + i));
    }
    return docs;
  }

  static TokenDataset build(List<Document> docs, Tokenizer tokenizer, Path dir, ShardOptions options, String sourceFp) {
    return ShardStore.build("test", sourceFp, docs::stream, tokenizer, dir, options);
  }

  @Test
  void tokensReadBackEqualTheTokenizersEncodingAcrossSeveralShards() {
    Path dir = tmp.resolve("ds");
    try (Tokenizer tokenizer = Tokenizer.open(tokenizerJson);
        TokenDataset ds = build(corpus, tokenizer, dir, SMALL, "src-1")) {
      MappedTokenDataset mapped = (MappedTokenDataset) ds;
      assertThat(mapped.manifest().shards()).hasSizeGreaterThan(3);
      assertThat(mapped.manifest().dtype()).isEqualTo("uint16");
      assertThat(ds.reused()).isFalse();
      assertThat(ds.sourceName()).isEqualTo("test");
      assertThat(ds.documentCount()).isEqualTo(corpus.size());
      long tokens = 0;
      for (int i = 0; i < corpus.size(); i++) {
        int[] expected = tokenizer.encode(corpus.get(i).text());
        assertThat(ds.documentLength(i)).isEqualTo(expected.length);
        assertThat(ds.document(i)).as("document %d", i).containsExactly(expected);
        assertThat(ds.metadataPrefix(i)).isEmpty();
        tokens += expected.length;
      }
      assertThat(ds.tokenCount()).isEqualTo(tokens).isGreaterThan(2000);
      for (DatasetManifest.Shard s : mapped.manifest().shards()) {
        assertThat(s.tokens()).as(s.file()).isLessThanOrEqualTo(500);
      }
    }
    ShardStore.verify(dir);
  }

  @Test
  void partialReadsCopyTheRequestedRangeAndCheckBounds() {
    FakeTokenizer tokenizer = new FakeTokenizer(1000, "fake");
    try (TokenDataset ds = build(docs("abcdef", "", "xyz"), tokenizer, tmp.resolve("ds"), SMALL, "s")) {
      int[] dst = {-1, -1, -1, -1, -1};
      ds.read(0, 2, dst, 1, 3);
      assertThat(dst).containsExactly(-1, tokenizer.id('c'), tokenizer.id('d'), tokenizer.id('e'), -1);
      assertThat(ds.documentLength(1)).isZero();
      assertThat(ds.document(1)).isEmpty();
      assertThatThrownBy(() -> ds.read(0, 4, dst, 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> ds.read(0, 0, dst, 3, 3)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> ds.read(0, -1, dst, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> ds.document(3)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> ds.documentLength(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void vocabulariesUpTo65536TokensGiveUint16AndLargerOnesUint32() {
    // 65,536 ids are 0..65535: the largest still fits two bytes.
    FakeTokenizer small = new FakeTokenizer(65_536, "small");
    try (TokenDataset ds = build(docs("\u0000a"), small, tmp.resolve("u16"), SMALL, "s")) {
      assertThat(((MappedTokenDataset) ds).manifest().dtype()).isEqualTo("uint16");
      assertThat(ds.document(0)).containsExactly(65_535, small.id('a'));
      assertThat(shardBytes(tmp.resolve("u16"))).isEqualTo(ShardFormat.HEADER_BYTES + 8 + 2 * 8);
    }
    FakeTokenizer large = new FakeTokenizer(65_537, "large");
    try (TokenDataset ds = build(docs("\u0000a", "b"), large, tmp.resolve("u32"), SMALL, "s")) {
      assertThat(((MappedTokenDataset) ds).manifest().dtype()).isEqualTo("uint32");
      assertThat(ds.document(0)).containsExactly(65_536, 65_536 - 'a');
      assertThat(ds.document(1)).containsExactly(65_536 - 'b');
    }
  }

  @Test
  void idsThatDoNotFitTheDtypeFailTheBuild() {
    FakeTokenizer liar = new FakeTokenizer(70_000, "liar").claimingVocabSize(1000);
    Path dir = tmp.resolve("ds");
    assertThatThrownBy(() -> build(docs("\u0000", "a"), liar, dir, SMALL, "s"))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("id 69999").hasMessageContaining("document 0 (doc#0)").hasMessageContaining("uint16");
    assertThat(dir).doesNotExist();
  }

  @Test
  void aSecondBuildWithTheSameInputsReusesTheShardsWithoutTokenizing() {
    FakeTokenizer tokenizer = new FakeTokenizer(1000, "fake");
    AtomicInteger reads = new AtomicInteger();
    List<Document> docs = corpus(50, 2);
    Path dir = tmp.resolve("ds");
    String fingerprint;
    try (TokenDataset first = ShardStore.build("test", "src", () -> counted(docs, reads), tokenizer, dir, SMALL)) {
      assertThat(first.reused()).isFalse();
      fingerprint = first.fingerprint();
    }
    int batches = tokenizer.batches.get();
    assertThat(batches).isEqualTo(8); // 50 documents in batches of 7
    try (TokenDataset again = ShardStore.build("test", "src", () -> counted(docs, reads), tokenizer, dir, SMALL)) {
      assertThat(again.reused()).isTrue();
      assertThat(again.fingerprint()).isEqualTo(fingerprint);
      assertThat(again.document(49)).containsExactly(tokenizer.encode(docs.get(49).text()));
    }
    assertThat(tokenizer.batches.get()).isEqualTo(batches);
    assertThat(reads.get()).isEqualTo(1);
    // the shard size does not enter the fingerprint: other sharding still reuses
    ShardOptions larger = SMALL.newBuilder().maxShardTokens(1 << 20).build();
    try (TokenDataset resharded = build(docs, tokenizer, dir, larger, "src")) {
      assertThat(resharded.reused()).isTrue();
    }
  }

  @Test
  void aChangedSourceTokenizerOrTemplateRebuilds() {
    List<Document> docs = corpus(20, 3);
    Path dir = tmp.resolve("ds");
    FakeTokenizer a = new FakeTokenizer(1000, "tok-a");
    List<String> fingerprints = new ArrayList<>();
    try (TokenDataset ds = build(docs, a, dir, SMALL, "src-1")) {
      fingerprints.add(ds.fingerprint());
    }
    List<Document> changed = corpus(21, 4);
    try (TokenDataset ds = build(changed, a, dir, SMALL, "src-2")) {
      assertThat(ds.reused()).isFalse();
      assertThat(ds.documentCount()).isEqualTo(21);
      fingerprints.add(ds.fingerprint());
    }
    FakeTokenizer b = new FakeTokenizer(999, "tok-b");
    try (TokenDataset ds = build(changed, b, dir, SMALL, "src-2")) {
      assertThat(ds.reused()).isFalse();
      assertThat(ds.document(20)).containsExactly(b.encode(changed.get(20).text()));
      fingerprints.add(ds.fingerprint());
    }
    ShardOptions url = SMALL.newBuilder().metadataTemplate("URL: {url}\n").build();
    try (TokenDataset ds = build(changed, b, dir, url, "src-2")) {
      assertThat(ds.reused()).isFalse();
      fingerprints.add(ds.fingerprint());
    }
    try (TokenDataset ds = build(changed, b, dir, SMALL.newBuilder().metadataTemplate("").build(), "src-2")) {
      assertThat(ds.reused()).as("an empty template differs from none").isFalse();
      fingerprints.add(ds.fingerprint());
    }
    assertThat(fingerprints).doesNotHaveDuplicates().allMatch(f -> f.matches("[0-9a-f]{64}"));
    assertThat(ShardStore.fingerprint("s", "t", null)).isNotEqualTo(ShardStore.fingerprint("s", "t", ""))
        .isNotEqualTo(ShardStore.fingerprint("st", "", null)).isEqualTo(ShardStore.fingerprint("s", "t", null));
  }

  @Test
  void metadataPrefixesRenderTheTemplateAndAreEmptyWhenAKeyIsMissing() {
    FakeTokenizer tokenizer = new FakeTokenizer(1000, "fake");
    List<Document> docs = List.of(
        new Document("body one", Map.of("url", "a.org", "lang", "en"), "d#0"),
        new Document("body two", Map.of("url", "b.org"), "d#1"),
        new Document("", Map.of("url", "c.org", "lang", "fr"), "d#2"),
        new Document("body four", Map.of(), "d#3"));
    ShardOptions options = SMALL.newBuilder().metadataTemplate("URL: {url} ({lang})\n\n").maxShardTokens(10).build();
    try (TokenDataset ds = build(docs, tokenizer, tmp.resolve("ds"), options, "s")) {
      assertThat(ds.metadataPrefix(0)).containsExactly(tokenizer.encode("URL: a.org (en)\n\n"));
      assertThat(ds.metadataPrefix(1)).isEmpty();
      assertThat(ds.metadataPrefix(2)).containsExactly(tokenizer.encode("URL: c.org (fr)\n\n"));
      assertThat(ds.metadataPrefix(3)).isEmpty();
      assertThat(ds.document(0)).containsExactly(tokenizer.encode("body one"));
      assertThat(ds.document(2)).isEmpty();
      assertThat(ds.tokenCount()).as("prefixes are not counted").isEqualTo(8 + 8 + 0 + 9);
      assertThat(((MappedTokenDataset) ds).manifest().prefixTokens()).isEqualTo(17 + 17);
      assertThat(((MappedTokenDataset) ds).manifest().shards()).hasSize(3);
    }
    assertThat(new MetadataTemplate("{a}-{b}").keys()).containsExactly("a", "b");
    assertThat(new MetadataTemplate("plain").render(Map.of())).isEqualTo("plain");
    assertThat(new MetadataTemplate("{a}{a}").render(Map.of("a", "x"))).isEqualTo("xx");
  }

  @Test
  void emptyDocumentsAndAnEmptySourceAreKept() {
    FakeTokenizer tokenizer = new FakeTokenizer(1000, "fake");
    try (TokenDataset ds = build(docs("", "", "a", ""), tokenizer, tmp.resolve("ds"), SMALL, "s")) {
      assertThat(ds.documentCount()).isEqualTo(4);
      assertThat(ds.tokenCount()).isEqualTo(1);
      assertThat(ds.document(3)).isEmpty();
    }
    try (TokenDataset ds = build(List.of(), tokenizer, tmp.resolve("none"), SMALL, "s")) {
      assertThat(ds.documentCount()).isZero();
      assertThat(ds.tokenCount()).isZero();
      assertThatThrownBy(() -> ds.document(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
    try (TokenDataset ds = TokenDataset.open(tmp.resolve("none"))) {
      assertThat(ds.documentCount()).isZero();
      assertThat(ds.reused()).isFalse();
    }
  }

  @Test
  void aDocumentLongerThanTheShardLimitGetsAShardOfItsOwn() {
    FakeTokenizer tokenizer = new FakeTokenizer(1000, "fake");
    ShardOptions options = SMALL.newBuilder().maxShardTokens(4).build();
    try (TokenDataset ds = build(docs("ab", "cd", "efghijk", "l", "mn"), tokenizer, tmp.resolve("ds"), options, "s")) {
      List<DatasetManifest.Shard> shards = ((MappedTokenDataset) ds).manifest().shards();
      assertThat(shards).extracting(DatasetManifest.Shard::documents).containsExactly(2L, 1L, 2L);
      assertThat(shards).extracting(DatasetManifest.Shard::tokens).containsExactly(4L, 7L, 3L);
      assertThat(ds.document(2)).containsExactly(tokenizer.encode("efghijk"));
      assertThat(ds.document(4)).containsExactly(tokenizer.encode("mn"));
    }
  }

  @Test
  void manyBatchesOnManyThreadsKeepTheDocumentOrderAndCloseTheStream() {
    FakeTokenizer tokenizer = new FakeTokenizer(5000, "fake");
    List<Document> docs = corpus(2000, 5);
    AtomicInteger closed = new AtomicInteger();
    ShardOptions options = SMALL.newBuilder().threads(4).batchDocuments(3).maxShardTokens(5000).build();
    try (TokenDataset ds = ShardStore.build("many", "s", () -> docs.stream().onClose(closed::incrementAndGet),
        tokenizer, tmp.resolve("ds"), options)) {
      for (int i = 0; i < docs.size(); i++) {
        assertThat(ds.document(i)).as("document %d", i).containsExactly(tokenizer.encode(docs.get(i).text()));
      }
    }
    assertThat(closed.get()).isEqualTo(1);
  }

  static List<Document> docs(String... texts) {
    List<Document> out = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      out.add(new Document(texts[i], Map.of(), "doc#" + i));
    }
    return out;
  }

  static Stream<Document> counted(List<Document> docs, AtomicInteger reads) {
    reads.incrementAndGet();
    return docs.stream();
  }

  static long shardBytes(Path dir) {
    try {
      return Files.size(dir.resolve(ShardFormat.shardName(0)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
