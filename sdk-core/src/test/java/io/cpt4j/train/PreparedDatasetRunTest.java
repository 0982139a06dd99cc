package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from token datasets prepared beforehand ({@code dataset:} sources, what {@code cpt4j data
 * prepare} writes on one machine or with Spark): the run reads them as they are and trains exactly as
 * from the same text; a dataset tokenized with another tokenizer, or text options on a dataset, are
 * refused before any work.
 */
class PreparedDatasetRunTest {
  @TempDir Path tmp;

  private Path prepare(Source text, String name, Path tokenizerFile) {
    try (Tokenizer t = Tokenizer.open(tokenizerFile);
        TokenDataset d = TokenDataset.prepare(text.named(name), t, tmp.resolve("prepared").resolve(name))) {
      return d.directory();
    }
  }

  private Path withPreparedSources(Path output) throws IOException {
    String yaml = Files.readString(TrainFixtures.runFile(tmp, output, 6, 0)).replace(
        "- {name: code, text: code, weight: 0.7}", "- {name: code, dataset: prepared/code, weight: 0.7}").replace(
        "- {name: general, jsonl: general.jsonl, field: text, weight: 0.3, replay: true}",
        "- {name: general, dataset: prepared/general, weight: 0.3, replay: true}");
    assertThat(yaml).contains("dataset: prepared/code").contains("dataset: prepared/general");
    return Files.writeString(tmp.resolve("prepared-" + output.getFileName() + ".yaml"), yaml);
  }

  @Test
  void aRunOnPreparedDatasetsTrainsExactlyAsOnTheirText() throws IOException {
    TrainFixtures.write(tmp);
    Path tokenizer = tmp.resolve("base/tokenizer.json");
    prepare(Source.text(tmp.resolve("code").toString()), "code", tokenizer);
    prepare(Source.jsonl(tmp.resolve("general.jsonl").toString(), "text"), "general", tokenizer);
    Path fromText = tmp.resolve("from-text");
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, fromText, 6, 0)).train();
    io.cpt4j.files.AtomicFiles.deleteTree(tmp.resolve("cache")); // the run's data cache: the text run tokenized into it
    Path fromPrepared = tmp.resolve("from-prepared");
    TrainingReport r = ContinualPretrainer.fromYaml(withPreparedSources(fromPrepared)).train();
    assertThat(r.steps()).isEqualTo(6);
    assertThat(lossLines(fromPrepared)).containsExactlyElementsOf(lossLines(fromText));
    RunConfig recorded = ContinualPretrainer.fromYaml(fromPrepared.resolve("run.json")).config();
    assertThat(recorded.mixture().components().getFirst().source().kind()).isEqualTo(Source.Kind.DATASET);
    assertThat(recorded.mixture().components().getFirst().source().location())
        .isEqualTo(tmp.resolve("prepared/code").toString());
    assertThat(tmp.resolve("cache/train")).doesNotExist(); // the training sources were not tokenized again
    assertThat(tmp.resolve("cache/validation")).isDirectory();
  }

  @Test
  void aDatasetOfAnotherTokenizerAndTextOptionsOnADatasetAreRefused() throws IOException {
    TrainFixtures.write(tmp);
    Path other = BpeTrainer.vocabSize(300).threads(1).train(List.of("int x = 1; int y = 2;", "hello world"),
        tmp.resolve("other-tokenizer.json")).file();
    prepare(Source.text(tmp.resolve("code").toString()), "code", other);
    prepare(Source.jsonl(tmp.resolve("general.jsonl").toString(), "text"), "general", tmp.resolve("base/tokenizer.json"));
    Path run = withPreparedSources(tmp.resolve("bad"));
    assertThatThrownBy(() -> ContinualPretrainer.fromYaml(run).train())
        .hasMessageContaining("source 'code': " + tmp.resolve("prepared/code") + " was tokenized with another tokenizer");
    String split = Files.readString(run).replace("dataset: prepared/general,", "dataset: prepared/general, split: "
        + "{fraction: 0.1},");
    Path splitRun = Files.writeString(tmp.resolve("split.yaml"), split);
    assertThatThrownBy(() -> ContinualPretrainer.fromYaml(splitRun))
        .hasMessageContaining("mixture.sources[1].split does not apply to a prepared dataset");
    assertThatThrownBy(() -> Source.dataset("prepared/code").split(0.1, 1))
        .hasMessageContaining("a split applies to text and JSONL sources, not to the prepared dataset prepared/code");
  }



  private static List<String> lossLines(Path run) throws IOException {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"loss\"")).toList();
  }
}
