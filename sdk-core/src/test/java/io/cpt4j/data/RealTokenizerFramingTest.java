package io.cpt4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.backend.Batch;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text becomes training tokens as transformers' {@code tokenizer(text)} makes them, for real
 * tokenizers: the shard holds the golden {@code add_special_tokens=False} ids, and the packed row
 * starts with the golden {@code tokenizer(text)} ids (Mistral: {@code <s>} first; Qwen: nothing)
 * followed by the end-of-document token.
 */
class RealTokenizerFramingTest {
  static final Path MODELS = Path.of("src/test/resources/real-models");
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"mistral-7b-v0.1", "qwen2.5-0.5b-instruct"})
  void preparedAndPackedDocumentsAreFramedLikeTransformers(String model) throws Exception {
    JsonNode golden = new ObjectMapper().readTree(MODELS.resolve(model).resolve("golden.json").toFile());
    JsonNode plain = golden.path("texts").get(0);
    int[] ids = ints(plain.path("ids"));
    int[] bare = ints(plain.path("ids_no_special"));
    int eos = golden.path("eos_token_id").intValue();
    Path text = Files.writeString(tmp.resolve("doc.txt"), plain.path("text").asText());
    try (Tokenizer t = Tokenizer.open(MODELS.resolve(model).resolve("tokenizer.json"));
        TokenDataset d = TokenDataset.prepare(Source.text(text), t, tmp.resolve("shards"))) {
      assertThat(d.documentCount()).isEqualTo(1);
      int[] stored = new int[d.documentLength(0)];
      d.read(0, 0, stored, 0, stored.length);
      assertThat(stored).as("shard").containsExactly(bare);
      int bos = t.specialPrefix().isEmpty() ? -1 : t.specialPrefix().getFirst();
      Packing packing = Packing.builder().sequenceLength(ids.length + 1).eosId(eos).bosId(bos).build();
      MixtureSampler sampler = MixtureSampler.create(Mixture.of(Source.text(text), 1.0), List.of(d), packing, 64);
      Batch b = sampler.next(1);
      int[] row = Arrays.copyOf(b.inputIds(), ids.length + 1);
      int[] expected = IntStream.concat(Arrays.stream(ids), IntStream.of(eos)).toArray();
      assertThat(row).as("tokenizer(text) + EOS").containsExactly(expected);
    }
  }

  private static int[] ints(JsonNode a) {
    return IntStream.range(0, a.size()).map(i -> a.get(i).intValue()).toArray();
  }
}
