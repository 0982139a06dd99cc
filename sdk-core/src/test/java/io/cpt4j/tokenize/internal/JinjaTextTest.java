package io.cpt4j.tokenize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link JinjaText} renders as lm-evaluation-harness's {@code apply_template}: Jinja2's defaults
 * with StrictUndefined and keep_trailing_newline.
 */
class JinjaTextTest {
  private static final Map<String, Object> DOC = doc();

  private static Map<String, Object> doc() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("question", "  Why?  ");
    d.put("text", "the cat sat on the mat");
    d.put("nothing", null);
    d.put("n", 3L);
    d.put("choices", Map.of("label", List.of("A", "B", "C"), "text", List.of("x'y", "b", "c")));
    d.put("endings", Arrays.asList("e0", "e1"));
    return d;
  }

  private static String render(String template) {
    return JinjaText.of(template).render(DOC);
  }

  @Test
  void harnessTemplatesRenderAsInPython() {
    assertThat(render("Question: {{question.strip()}}\nAnswer:")).isEqualTo("Question: Why?\nAnswer:");
    assertThat(render("{{choices.label.index('B')}}")).isEqualTo("1");
    assertThat(render("{{choices.text}}")).isEqualTo("[\"x'y\", 'b', 'c']");
    assertThat(render("{{text.split(' ')[:-1]|join(' ')}}")).isEqualTo("the cat sat on the");
    assertThat(render("{{' '+text.split(' ')[-1]}}")).isEqualTo(" mat");
    assertThat(render("{{[endings[0], endings[1]]}}")).isEqualTo("['e0', 'e1']");
    assertThat(render("{{ nothing }}|{{ n }}|{{ n / 2 }}")).isEqualTo("None|3|1.5");
  }

  @Test
  void trailingNewlinesAndBlockLinesAreKept() {
    assertThat(render("{{ n }}\n")).isEqualTo("3\n"); // keep_trailing_newline=True
    assertThat(render("a\n  {% if n %}\nb\n  {% endif %}\nc")).isEqualTo("a\n  \nb\n  \nc"); // no trim/lstrip_blocks
  }

  @Test
  void undefinedNamesAndKeysAreErrorsButTestsForThemAreNot() {
    assertThatThrownBy(() -> render("{{ qestion }}")).hasMessage("'qestion' is undefined");
    assertThatThrownBy(() -> render("{{ choices.txt }}")).hasMessage("'txt' is undefined");
    assertThat(render("{{ qestion is defined }} {{ nothing is defined }}")).isEqualTo("False True");
    assertThat(render("{% if nothing %}yes{% else %}no{% endif %}")).isEqualTo("no");
  }

  @Test
  void syntaxErrorsAreFoundWhenCompiled() {
    assertThatThrownBy(() -> JinjaText.of("{{ question }")).hasMessageContaining("expected '}}'");
    assertThat(JinjaText.isTemplate("{{x}}")).isTrue();
    assertThat(JinjaText.isTemplate("plain")).isFalse();
  }
}
