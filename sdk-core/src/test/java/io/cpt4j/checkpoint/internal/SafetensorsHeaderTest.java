package io.cpt4j.checkpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header bytes depend only on the content: metadata keys are written sorted, whatever the map's order. */
class SafetensorsHeaderTest {

  @Test
  void metadataIsWrittenInKeyOrderWhateverTheMapOrder() {
    List<TensorInfo> infos = List.of(TensorInfo.of("w", DType.F32, 2, 3));
    Map<String, String> forward = new LinkedHashMap<>();
    forward.put("format", "pt");
    forward.put("merge_method", "ties");
    forward.put("base", "b");
    Map<String, String> backward = new LinkedHashMap<>();
    backward.put("base", "b");
    backward.put("merge_method", "ties");
    backward.put("format", "pt");
    byte[] a = SafetensorsWriter.header(infos, forward);
    byte[] b = SafetensorsWriter.header(infos, backward);
    assertThat(a).isEqualTo(b);
    String text = new String(a, StandardCharsets.UTF_8);
    assertThat(text.indexOf("\"base\"")).isLessThan(text.indexOf("\"format\""));
    assertThat(text.indexOf("\"format\"")).isLessThan(text.indexOf("\"merge_method\""));
  }
}
