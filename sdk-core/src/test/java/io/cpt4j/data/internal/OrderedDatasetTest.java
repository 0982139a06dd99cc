package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code "ordered": true} in dataset.json: the sampler reads the documents in stored order, every pass. */
class OrderedDatasetTest {
  private static final int DOCS = 12;
  private static final int FIRST = 1000; // document i is tokens (FIRST + i) x 3
  private static final Packing PACKING = Packing.builder().sequenceLength(8).eosId(1).padId(0).build();

  @TempDir Path tmp;

  @Test
  void theStoredOrderSkipsTheShuffleButKeepsTheSeededSubset() {
    DocumentOrder stored = DocumentOrder.stored(0, 0, 10, 0);
    assertThat(stored.pass(0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(stored.pass(5)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    DocumentOrder subset = DocumentOrder.stored(0, 0, 10, 4);
    assertThat(subset.subset()).isEqualTo(new DocumentOrder(0, 0, 10, 4).subset());
    assertThat(subset.pass(3)).isEqualTo(subset.subset());
  }

  @Test
  void anOrderedDatasetIsSampledInStoredOrderEveryPass() {
    try (TokenDataset ds = TokenDataset.open(build("ordered", true))) {
      assertThat(ds.ordered()).isTrue();
      assertThat(documentsRead(ds, 3)).isEqualTo(repeat(IntStream.range(0, DOCS).toArray(), 3));
    }
  }

  @Test
  void anUnorderedDatasetIsStillShuffled() {
    try (TokenDataset ds = TokenDataset.open(build("plain", false))) {
      assertThat(ds.ordered()).isFalse();
      int[] read = documentsRead(ds, 1);
      assertThat(read).isNotEqualTo(IntStream.range(0, DOCS).toArray());
      assertThat(Arrays.stream(read).sorted().toArray()).isEqualTo(IntStream.range(0, DOCS).toArray());
    }
  }

  @Test
  void theFlagIsWrittenOnlyWhenTrueSoOtherDatasetJsonFilesAreUnchanged() throws Exception {
    assertThat(Files.readString(build("plain", false).resolve(DatasetManifest.FILE))).doesNotContain("ordered");
    assertThat(Files.readString(build("ordered", true).resolve(DatasetManifest.FILE)))
        .contains("\"ordered\" : true");
  }

  @Test
  void aDatasetJsonWithoutTheFieldReadsAsUnordered() throws Exception {
    Path dir = build("old", true);
    Path json = dir.resolve(DatasetManifest.FILE);
    Files.writeString(json, Files.readString(json).replaceAll(",\\s*\"ordered\" : true", ""));
    assertThat(Files.readString(json)).doesNotContain("ordered");
    try (TokenDataset ds = TokenDataset.open(dir)) {
      assertThat(ds.ordered()).isFalse();
      assertThat(ds.documentCount()).isEqualTo(DOCS);
    }
  }

  /** The documents in the order the sampler emits their tokens, over {@code passes} passes. */
  private static int[] documentsRead(TokenDataset ds, int passes) {
    Mixture mixture = Mixture.of(Source.text(ds.sourceName()), 1,
        Limits.builder().epochs(passes).onExhausted(Limits.Exhaustion.STOP).build());
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(ds), PACKING, 1000);
    List<Integer> docs = new ArrayList<>();
    int last = -1;
    while (sampler.hasNext()) {
      Batch b = sampler.next(4);
      for (int t : b.inputIds()) {
        if (t >= FIRST && t - FIRST != last) {
          docs.add(t - FIRST);
          last = t - FIRST;
        }
      }
    }
    return docs.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] repeat(int[] a, int times) {
    return IntStream.range(0, times).flatMap(k -> Arrays.stream(a)).toArray();
  }

  /** A dataset of {@link #DOCS} three-token documents in two shards, written as sdk-spark writes them. */
  private Path build(String name, boolean ordered) {
    Path dir = tmp.resolve(name);
    ShardFiles.TokenizerInfo info = new ShardFiles.TokenizerInfo("fake", 4096);
    String fingerprint = ShardFiles.fingerprint("src", info.fingerprint());
    ShardFiles.build(dir, name, "src", info, ordered, staging -> {
      List<ShardFiles.Entry> entries = new ArrayList<>();
      for (int part = 0; part < 2; part++) {
        try (ShardFiles.Writer w = new ShardFiles.Writer(staging, info, fingerprint, 1 << 20, part, part * DOCS / 2,
            part * DOCS / 2 * 3L)) {
          for (int i = part * DOCS / 2; i < (part + 1) * DOCS / 2; i++) {
            w.add(new int[] {FIRST + i, FIRST + i, FIRST + i});
          }
          entries.addAll(w.finish());
        }
      }
      return entries;
    });
    return dir;
  }
}
