package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Task;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's {@code _encode_pair} with real tokenizers: the context's trailing space moves to
 * the continuation, and the continuation's tokens are those of context + continuation after the
 * context's, which for SentencePiece (Mistral) is not the continuation encoded alone. Qwen2.5 adds
 * no BOS; Mistral's BOS (1) leads every context.
 */
class EncodePairTest {
  private static final Path MODELS = Path.of("src/test/resources/real-models");
  @TempDir Path tmp;

  private List<LoglikelihoodRequest> requests(String model) throws IOException {
    Files.writeString(tmp.resolve("pairs.jsonl"), """
        {"q": "Question: What is 2+2?\\nAnswer: ", "a": "4"}
        {"q": "The capital of France is", "a": " Paris"}
        """);
    Files.writeString(tmp.resolve("pairs.yaml"), """
        task: pairs
        dataset_path: json
        dataset_kwargs: {data_files: {test: pairs.jsonl}}
        output_type: loglikelihood
        test_split: test
        doc_to_text: "{{q}}"
        doc_to_target: "{{a}}"
        target_delimiter: ""
        """);
    FakeScorer scorer = new FakeScorer(4096);
    try (Tokenizer t = Tokenizer.open(MODELS.resolve(model).resolve("tokenizer.json"))) {
      Task.read(tmp.resolve("pairs.yaml")).evaluate(scorer, t);
      // the texts after the trailing space moved: (context, continuation)
      List<String[]> texts = List.of(new String[] {"Question: What is 2+2?\nAnswer:", " 4"},
          new String[] {"The capital of France is", " Paris"});
      for (int i = 0; i < 2; i++) { // whole minus context, by the definition
        LoglikelihoodRequest r = scorer.requests().get(i);
        int[] own = Arrays.copyOfRange(r.context(), t.specialPrefix().size(), r.context().length);
        int[] whole = t.encode(texts.get(i)[0] + texts.get(i)[1]);
        assertThat(own).isEqualTo(t.encode(texts.get(i)[0]));
        assertThat(r.continuation()).isEqualTo(Arrays.copyOfRange(whole, own.length, whole.length));
      }
    }
    return scorer.requests();
  }

  @Test
  void qwenMovesTheTrailingSpaceIntoTheContinuation() throws IOException {
    List<LoglikelihoodRequest> r = requests("qwen2.5-0.5b-instruct");
    // "Question: What is 2+2?\nAnswer:" then " 4": no BOS, the space (220) begins the continuation
    assertThat(r.get(0).context()).containsExactly(14582, 25, 3555, 374, 220, 17, 10, 17, 5267, 16141, 25);
    assertThat(r.get(0).continuation()).containsExactly(220, 19);
    assertThat(r.get(1).context()).containsExactly(785, 6722, 315, 9625, 374);
    assertThat(r.get(1).continuation()).containsExactly(12095); // " Paris"
  }

  @Test
  void mistralPutsItsBosFirstAndSplitsWholeMinusContext() throws IOException {
    List<LoglikelihoodRequest> r = requests("mistral-7b-v0.1");
    assertThat(r.get(0).context()).containsExactly(1, 22478, 28747, 1824, 349, 28705, 28750, 28806, 28750, 28804, 13,
        2820, 16981, 28747);
    // " 4" after "Answer:" is "▁" "4"; encoded alone it would be "▁▁" "4" (259, 28781)
    assertThat(r.get(0).continuation()).containsExactly(28705, 28781);
    assertThat(r.get(1).context()).containsExactly(1, 415, 5565, 302, 4843, 349);
    // " Paris" after "is" is "▁Paris"; encoded alone it would be "▁" "Paris" (28705, 5465)
    assertThat(r.get(1).continuation()).containsExactly(5465);
  }
}
