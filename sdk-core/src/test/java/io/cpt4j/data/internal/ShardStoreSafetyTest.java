package io.cpt4j.data.internal;

import static io.cpt4j.data.internal.ShardStoreTest.build;
import static io.cpt4j.data.internal.ShardStoreTest.corpus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.TokenDataset;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardStore}: corruption is detected, failures change nothing, reads are safe. */
class ShardStoreSafetyTest {
  @TempDir Path tmp;

  static final ShardOptions OPTIONS =
      ShardOptions.builder().threads(2).batchDocuments(5).maxShardTokens(400).build();
  static final List<Document> DOCS = corpus(60, 7);

  Path dir;
  FakeTokenizer tokenizer;

  @BeforeEach
  void buildOne() {
    dir = tmp.resolve("ds");
    tokenizer = new FakeTokenizer(1000, "fake");
    build(DOCS, tokenizer, dir, OPTIONS, "src").close();
  }

  Path shard(int n) {
    return dir.resolve(ShardFormat.shardName(n));
  }

  void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x40);
    }
  }

  @Test
  void aTruncatedShardIsReportedByNameAndRebuilt() throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(shard(1).toFile(), "rw")) {
      f.setLength(f.length() - 8);
    }
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00001.bin").hasMessageContaining("truncated");
    int batches = tokenizer.batches.get();
    try (TokenDataset ds = build(DOCS, tokenizer, dir, OPTIONS, "src")) {
      assertThat(ds.reused()).isFalse();
      assertThat(ds.document(59)).containsExactly(tokenizer.encode(DOCS.get(59).text()));
    }
    assertThat(tokenizer.batches.get()).isGreaterThan(batches);
  }

  @Test
  void aShardTruncatedTogetherWithItsRecordedLengthIsStillCaught() throws IOException {
    long bytes = Files.size(shard(0));
    try (RandomAccessFile f = new RandomAccessFile(shard(0).toFile(), "rw")) {
      f.setLength(40);
    }
    String json = Files.readString(dir.resolve("dataset.json"));
    Files.writeString(dir.resolve("dataset.json"), json.replaceFirst("\"bytes\" : " + bytes, "\"bytes\" : 40"));
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00000.bin").hasMessageContaining("cannot hold the 96-byte header");
  }

  @Test
  void flippedHeaderBytesAreDetected() throws IOException {
    flipByte(shard(0), 30); // inside the document count
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00000.bin").hasMessageContaining("checksum");
    flipByte(shard(0), 30);
    flipByte(shard(1), 2); // the magic
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00001.bin").hasMessageContaining("magic");
    flipByte(shard(1), 2);
    flipByte(shard(1), 8); // the version
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00001.bin").hasMessageContaining("version");
    flipByte(shard(1), 8);
    ShardStore.open(dir).close();
  }

  @Test
  void aCorruptIndexIsDetectedAndCorruptTokensAreFoundByVerify() throws IOException {
    long size = Files.size(shard(0));
    flipByte(shard(0), size - 3); // the last index entry, which must equal the token count
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00000.bin").hasMessageContaining("document index");
    flipByte(shard(0), size - 3);
    flipByte(shard(2), ShardFormat.HEADER_BYTES + 1); // a token: structure intact
    ShardStore.open(dir).close();
    assertThatThrownBy(() -> ShardStore.verify(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("shard-00002.bin").hasMessageContaining("SHA-256");
  }

  @Test
  void aMissingShardOrInvalidManifestIsReported() throws IOException {
    Files.delete(shard(1));
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("lacks its shard file shard-00001.bin");
    Files.writeString(dir.resolve("dataset.json"), "{\"format\": \"cpt4j-token-shards\", ");
    assertThatThrownBy(() -> ShardStore.open(dir)).isInstanceOf(DataException.class)
        .hasMessageContaining("dataset.json").hasMessageContaining("not valid JSON");
    try (TokenDataset ds = build(DOCS, tokenizer, dir, OPTIONS, "src")) {
      assertThat(ds.reused()).isFalse();
    }
  }

  @Test
  void aFailureMidBuildLeavesThePreviousDatasetIntact() throws IOException {
    String before;
    try (TokenDataset ds = ShardStore.open(dir)) {
      before = ds.fingerprint();
    }
    FakeTokenizer failing = new FakeTokenizer(1000, "changed").failingOnBatch(3);
    assertThatThrownBy(() -> build(DOCS, failing, dir, OPTIONS.newBuilder().maxShardTokens(50).build(), "src"))
        .isInstanceOf(DataException.class).hasMessageContaining("nothing was changed")
        .hasMessageContaining("tokenizer failure injected at batch");
    try (TokenDataset ds = ShardStore.open(dir)) {
      assertThat(ds.fingerprint()).isEqualTo(before);
      assertThat(ds.document(10)).containsExactly(tokenizer.encode(DOCS.get(10).text()));
    }
    ShardStore.verify(dir);
    assertThat(siblings()).containsExactly(".ds.lock", "ds");
  }

  @Test
  void aFailedFirstBuildLeavesNoDirectory() throws IOException {
    Path fresh = tmp.resolve("fresh");
    Stream<Document> broken = Stream.concat(DOCS.stream().limit(12), Stream.generate(() -> {
      throw new DataException("bad.txt: invalid UTF-8 at byte 7");
    }));
    assertThatThrownBy(() -> ShardStore.build("broken", "src", () -> broken, tokenizer, fresh, OPTIONS))
        .isInstanceOf(DataException.class).hasMessage("bad.txt: invalid UTF-8 at byte 7");
    assertThat(fresh).doesNotExist();
    assertThat(siblings()).containsExactly(".ds.lock", ".fresh.lock", "ds");
  }

  @Test
  void leftoversOfCrashedBuildsAreRemoved() throws IOException {
    Files.createDirectories(tmp.resolve(".ds.tmp-dead/sub"));
    Files.writeString(tmp.resolve(".ds.tmp-dead/shard-00000.bin"), "partial");
    Files.createDirectories(tmp.resolve(".ds.old-dead"));
    Files.createDirectories(tmp.resolve(".other.tmp-keep"));
    try (TokenDataset ds = build(DOCS, tokenizer, dir, OPTIONS, "src")) {
      assertThat(ds.reused()).isTrue();
    }
    assertThat(siblings()).containsExactly(".ds.lock", ".other.tmp-keep", "ds");
  }

  @Test
  void aCurrentDatasetOpensWhereTheLockCannotBeTaken() throws IOException {
    Files.delete(tmp.resolve(".ds.lock"));
    Files.createDirectory(tmp.resolve(".ds.lock")); // cannot be opened for writing, as on read-only storage
    try (TokenDataset ds = build(DOCS, tokenizer, dir, OPTIONS, "src")) {
      assertThat(ds.reused()).isTrue();
    }
    assertThatThrownBy(() -> build(DOCS, tokenizer, dir, OPTIONS, "changed")).isInstanceOf(DataException.class)
        .hasMessageContaining("nothing was changed");
    try (TokenDataset ds = ShardStore.open(dir)) {
      assertThat(ds.fingerprint()).isEqualTo(ShardStore.fingerprint("src", "fake", null));
    }
  }

  @Test
  void aDirectoryThatIsNotADatasetIsNeverReplaced() throws IOException {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(mine.resolve("notes.txt"), "keep me");
    assertThatThrownBy(() -> build(DOCS, tokenizer, mine, OPTIONS, "src")).isInstanceOf(DataException.class)
        .hasMessageContaining("not a token dataset");
    assertThat(mine.resolve("notes.txt")).hasContent("keep me");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> build(DOCS, tokenizer, file, OPTIONS, "src")).isInstanceOf(DataException.class)
        .hasMessageContaining("not a directory");
  }

  @Test
  void concurrentReadsSeeTheWrittenTokens() throws Exception {
    List<int[]> expected = DOCS.stream().map(d -> tokenizer.encode(d.text())).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (TokenDataset ds = ShardStore.open(dir)) {
      List<Callable<Integer>> readers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        readers.add(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          int checked = 0;
          for (int k = 0; k < 5000; k++) {
            int i = r.nextInt(DOCS.size());
            assertThat(ds.document(i)).isEqualTo(expected.get(i));
            checked++;
          }
          return checked;
        });
      }
      for (Future<Integer> f : pool.invokeAll(readers)) {
        assertThat(f.get()).isEqualTo(5000);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void concurrentBuildsOfOneDirectoryTokenizeOnce() throws Exception {
    Path shared = tmp.resolve("shared");
    FakeTokenizer counting = new FakeTokenizer(1000, "fake");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        results.add(pool.submit(() -> {
          try (TokenDataset ds = build(DOCS, counting, shared, OPTIONS, "src")) {
            return ds.reused();
          }
        }));
      }
      int reused = 0;
      for (Future<Boolean> f : results) {
        reused += f.get() ? 1 : 0;
      }
      assertThat(reused).isEqualTo(2);
      assertThat(counting.batches.get()).isEqualTo(12); // 60 documents in batches of 5, once
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void readsAfterCloseFailClearly() {
    TokenDataset ds = ShardStore.open(dir);
    assertThat(ds.document(0)).isNotNull();
    ds.close();
    ds.close(); // idempotent
    assertThatThrownBy(() -> ds.document(0)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    assertThatThrownBy(() -> ds.metadataPrefix(0)).isInstanceOf(IllegalStateException.class);
    assertThat(ds.documentCount()).isEqualTo(60);
  }

  List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
