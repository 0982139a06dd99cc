package io.cpt4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported files themselves: model.onnx re-read as a protobuf (opset, IR version, only
 * standard-domain operators, input and output names, element types and symbolic dimensions), the
 * ONNX Runtime session's view of the same, external data, genai_config.json and the copied files,
 * and the refusal to overwrite.
 */
class OnnxExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static OnnxMl.ModelProto read(Path model) throws IOException {
    try (InputStream in = Files.newInputStream(model)) {
      return OnnxMl.ModelProto.parseFrom(in);
    }
  }

  /** name → [element type, dims as "N" or the symbolic name]. */
  private static Map<String, List<Object>> signature(List<OnnxMl.ValueInfoProto> values) {
    Map<String, List<Object>> m = new LinkedHashMap<>();
    for (OnnxMl.ValueInfoProto v : values) {
      List<Object> s = new ArrayList<>();
      s.add(v.getType().getTensorType().getElemType());
      for (OnnxMl.TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
        s.add(d.hasDimParam() ? d.getDimParam() : (Object) d.getDimValue());
      }
      m.put(v.getName(), s);
    }
    return m;
  }

  @Test
  void theGraphHasOptimumNamesDynamicAxesAndOnlyStandardOperators() throws Exception {
    ModelConfig c = TestCheckpoints.tinyLlamaGqa();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 1)) {
      List<Path> files = OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"));
      assertThat(files).extracting(p -> p.getFileName().toString())
          .contains("model.onnx", "config.json", "genai_config.json").doesNotContain("model.onnx_data");
      OnnxMl.ModelProto model = read(tmp.resolve("onnx/model.onnx"));
      assertThat(model.getOpsetImportList()).singleElement().satisfies(o -> {
        assertThat(o.getDomain()).isEmpty();
        assertThat(o.getVersion()).isEqualTo(17L);
      });
      assertThat(model.getIrVersion()).isEqualTo(8L);
      assertThat(model.getGraph().getNodeList()).allSatisfy(n -> assertThat(n.getDomain()).isEmpty());
      int f = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
      int i64 = OnnxMl.TensorProto.DataType.INT64_VALUE;
      Map<String, List<Object>> expectedIn = new LinkedHashMap<>();
      expectedIn.put("input_ids", List.of(i64, "batch_size", "sequence_length"));
      expectedIn.put("attention_mask", List.of(i64, "batch_size", "total_sequence_length"));
      expectedIn.put("position_ids", List.of(i64, "batch_size", "sequence_length"));
      Map<String, List<Object>> expectedOut = new LinkedHashMap<>();
      expectedOut.put("logits", List.of(f, "batch_size", "sequence_length", 48L));
      for (int l = 0; l < 2; l++) {
        for (String kv : List.of("key", "value")) {
          expectedIn.put("past_key_values." + l + "." + kv, List.of(f, "batch_size", 2L, "past_sequence_length", 4L));
          expectedOut.put("present." + l + "." + kv, List.of(f, "batch_size", 2L, "total_sequence_length", 4L));
        }
      }
      assertThat(signature(model.getGraph().getInputList())).containsExactlyEntriesOf(expectedIn);
      assertThat(signature(model.getGraph().getOutputList())).containsExactlyEntriesOf(expectedOut);
      Set<String> initializers = new java.util.HashSet<>();
      model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
      assertThat(initializers).containsAll(c.expectedTensors().keySet());
      try (OrtModel ort = OrtModel.load(tmp.resolve("onnx"))) {
        assertThat(ort.hasKvCache()).isTrue();
        assertThat(ort.config()).isEqualTo(c);
      }
    }
  }

  @Test
  void withoutTheCacheThereAreNoPastOrPresentTensors() throws Exception {
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(TestCheckpoints.tinyNeox(), tmp.resolve("ckpt"), 2)) {
      OnnxExport.of(ckpt).kvCache(false).writeTo(tmp.resolve("onnx"));
      OnnxMl.ModelProto model = read(tmp.resolve("onnx/model.onnx"));
      assertThat(signature(model.getGraph().getInputList()).keySet())
          .containsExactly("input_ids", "attention_mask", "position_ids");
      assertThat(signature(model.getGraph().getOutputList()).keySet()).containsExactly("logits");
      JsonNode genai = JSON.readTree(tmp.resolve("onnx/genai_config.json").toFile());
      assertThat(genai.at("/model/decoder/inputs").has("past_key_names")).isFalse();
      assertThat(genai.at("/model/type").asText()).as("GenAI has no gpt_neox type").isEqualTo("decoder");
    }
  }

  @Test
  void externalDataGivesTheSameLogits() throws Exception {
    ModelConfig c = TestCheckpoints.tinyQwen2();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 3)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("inline"));
      List<Path> files = OnnxExport.of(ckpt).externalData(OnnxExport.ExternalData.ALWAYS).writeTo(tmp.resolve("ext"));
      assertThat(files).extracting(p -> p.getFileName().toString()).contains("model.onnx", "model.onnx_data");
      OnnxMl.ModelProto model = read(tmp.resolve("ext/model.onnx"));
      OnnxMl.TensorProto embed = model.getGraph().getInitializerList().stream()
          .filter(t -> t.getName().equals("model.embed_tokens.weight")).findFirst().orElseThrow();
      assertThat(embed.getDataLocation()).isEqualTo(OnnxMl.TensorProto.DataLocation.EXTERNAL);
      assertThat(embed.getRawData().isEmpty()).isTrue();
      long weightBytes = 4 * c.parameterCount();
      assertThat(Files.size(tmp.resolve("ext/model.onnx_data"))).isGreaterThanOrEqualTo(weightBytes);
      // the graph file lost the weights; only short location/offset/length entries replaced them
      assertThat(Files.size(tmp.resolve("ext/model.onnx")))
          .isLessThan(Files.size(tmp.resolve("inline/model.onnx")) - weightBytes + 100L * c.expectedTensors().size());
      int[][] rows = OnnxFixtures.randomRows(2, 6, c.vocabSize(), 5);
      try (OrtModel a = OrtModel.load(tmp.resolve("inline")); OrtModel b = OrtModel.load(tmp.resolve("ext"))) {
        assertThat(b.logits(rows).values()).containsExactly(a.logits(rows).values());
      }
    }
  }

  @Test
  void genaiConfigDescribesTheDecoder() throws Exception {
    ModelConfig c = TestCheckpoints.tinyLlamaGqa().newBuilder().bosTokenId(1).eosTokenIds(List.of(2, 3)).build();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 4)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"));
      JsonNode g = JSON.readTree(tmp.resolve("onnx/genai_config.json").toFile());
      JsonNode m = g.get("model");
      assertThat(m.get("type").asText()).isEqualTo("llama");
      assertThat(m.get("vocab_size").asInt()).isEqualTo(48);
      assertThat(m.get("context_length").asInt()).isEqualTo(64);
      assertThat(m.get("bos_token_id").asInt()).isEqualTo(1);
      assertThat(m.get("eos_token_id").toString()).isEqualTo("[2,3]");
      assertThat(m.get("pad_token_id").asInt()).isEqualTo(2);
      JsonNode d = m.get("decoder");
      assertThat(d.get("filename").asText()).isEqualTo("model.onnx");
      assertThat(d.get("head_size").asInt()).isEqualTo(4);
      assertThat(d.get("hidden_size").asInt()).isEqualTo(16);
      assertThat(d.get("num_attention_heads").asInt()).isEqualTo(4);
      assertThat(d.get("num_key_value_heads").asInt()).isEqualTo(2);
      assertThat(d.get("num_hidden_layers").asInt()).isEqualTo(2);
      assertThat(d.at("/inputs/past_key_names").asText()).isEqualTo("past_key_values.%d.key");
      assertThat(d.at("/inputs/past_value_names").asText()).isEqualTo("past_key_values.%d.value");
      assertThat(d.at("/outputs/present_key_names").asText()).isEqualTo("present.%d.key");
      assertThat(d.at("/outputs/present_value_names").asText()).isEqualTo("present.%d.value");
      assertThat(g.at("/search/past_present_share_buffer").asBoolean()).isFalse();
      assertThat(ModelConfig.read(tmp.resolve("onnx/config.json"))).isEqualTo(c);
    }
  }

  @Test
  void aNonEmptyTargetIsRefusedUnlessOverwriting() throws Exception {
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(TestCheckpoints.tinyLlama(), tmp.resolve("ckpt"), 5)) {
      Path out = Files.createDirectories(tmp.resolve("onnx"));
      Files.writeString(out.resolve("keep.txt"), "x");
      assertThatThrownBy(() -> OnnxExport.of(ckpt).writeTo(out)).isInstanceOf(OnnxException.class)
          .hasMessageContaining("not empty");
      assertThat(TestCheckpoints.list(out)).containsExactly("keep.txt");
      OnnxExport.of(ckpt).overwrite(true).writeTo(out);
      assertThat(TestCheckpoints.list(out)).containsExactly("config.json", "genai_config.json", "model.onnx");
      assertThat(TestCheckpoints.list(tmp)).containsExactlyInAnyOrder("ckpt", "onnx"); // no staging left behind
    }
  }

  @Test
  void anUnsupportedActivationIsRefusedBeforeAnythingIsWritten() throws Exception {
    ModelConfig c = TestCheckpoints.tinyNeox().newBuilder().hiddenAct("gelu_new").build();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 7)) {
      assertThatThrownBy(() -> OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"))).isInstanceOf(OnnxException.class)
          .hasMessageContaining("hidden_act 'gelu_new'");
      assertThat(tmp.resolve("onnx")).doesNotExist();
    }
  }

  @Test
  void inputsThatDoNotFitAreRefusedWithAClearMessage() throws Exception {
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(TestCheckpoints.tinyLlama(), tmp.resolve("ckpt"), 6)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"));
      try (OrtModel m = OrtModel.load(tmp.resolve("onnx"))) {
        assertThatThrownBy(() -> m.logits(new int[][] {{1, 48}})).isInstanceOf(OnnxException.class)
            .hasMessageContaining("outside the vocabulary");
        OrtInputs longerMask = new OrtInputs(1, 1, new long[] {1}, new long[] {1, 1}, new long[] {1});
        assertThatThrownBy(() -> m.forward(longerMask, null)).isInstanceOf(OnnxException.class)
            .hasMessageContaining("0 cached");
      }
    }
    assertThatThrownBy(() -> OrtModel.load(tmp)).isInstanceOf(OnnxException.class).hasMessageContaining("model.onnx");
  }
}
