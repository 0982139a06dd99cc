package io.cpt4j.tokenize.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link JinjaText}'s direct rendering of plain lookups gives what Jinjava gives, error or text. */
class JinjaTextLookupTest {

  @Test
  void plainLookupsRenderAsJinjavaRendersThem() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("question", "Why?\n");
    doc.put("n", 3L);
    doc.put("x", 2.0);
    doc.put("flag", true);
    doc.put("nothing", null);
    doc.put("true", "a field called true");
    doc.put("items", "a field called items");
    doc.put("choices", Map.of("label", List.of("A", "B"), "text", List.of("it's", "b"), "items", 1L));
    doc.put("endings", Arrays.asList("e0", null, 7L));
    doc.put("nested", Map.of("inner", Map.of("deep", List.of(List.of("z")))));
    List<String> templates = List.of("Question: {{question}}\nAnswer:", "{{ question }}{{n}} {{x}} {{flag}}",
        "{{nothing}}", "{{choices.text}}", "{{choices.label[1]}}", "{{ endings[-1] }}|{{endings[1]}}",
        "{{nested.inner.deep[0][0]}}", "{{ choices }}", "{{ true }}", "{{ items }}", "{{ choices.items }}",
        "{{ missing }}", "{{ choices.missing }}", "{{ endings[5] }}", "{{ question.upper }}", "{{ n[0] }}",
        "trailing }} brace {{n}}\n", "{{ endings }}");
    for (String t : templates) {
      JinjaText text = JinjaText.of(t);
      String jinjava;
      try {
        jinjava = "ok:" + text.renderWithJinjava(doc);
      } catch (IllegalArgumentException e) {
        jinjava = "error:" + e.getMessage();
      }
      String direct;
      try {
        direct = "ok:" + text.render(doc);
      } catch (IllegalArgumentException e) {
        direct = "error:" + e.getMessage();
      }
      assertThat(direct).as(t).isEqualTo(jinjava);
    }
  }
}
