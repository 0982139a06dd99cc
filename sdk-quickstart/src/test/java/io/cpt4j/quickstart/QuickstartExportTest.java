package io.cpt4j.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quickstart's last step on a small demo checkpoint: export to ONNX, then generate text. */
class QuickstartExportTest {
  @TempDir Path tmp;

  @Test
  void exportsAndGeneratesFromThePrompt() throws Exception {
    Path tokenizer = tmp.resolve("tokenizer.json");
    DemoTokenizer.write(tokenizer);
    int v = DemoTokenizer.vocabSize();
    ModelConfig c = ModelConfig.builder(Architecture.LLAMA).vocabSize(v).hiddenSize(32).intermediateSize(64)
        .numLayers(2).numHeads(4).maxPositionEmbeddings(128).eosTokenIds(List.of(v - 1)).build();
    DemoCheckpoints.write(tmp.resolve("model"), c, null, Long.MAX_VALUE, tokenizer);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    String text = Quickstart.exportAndGenerate(tmp.resolve("model"), tmp.resolve("work"),
        new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(text).startsWith(Quickstart.PROMPT).hasSizeGreaterThan(Quickstart.PROMPT.length());
    assertThat(log.toString(StandardCharsets.UTF_8)).startsWith("[4/4] exported to ONNX in ");
    assertThat(tmp.resolve("work/onnx/model.onnx")).exists();
    // a second run replaces the export
    assertThat(Quickstart.exportAndGenerate(tmp.resolve("model"), tmp.resolve("work"),
        new PrintStream(log, true, StandardCharsets.UTF_8))).isEqualTo(text);
  }
}
