package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link PyLiteral}: what {@code ast.literal_eval} gives for what templates print. */
class PyLiteralTest {

  @Test
  void listsOfStringsAsJinjaPrintsThem() {
    assertThat(PyLiteral.parse("['a', \"x'y\", 'it\\'s', 'tab\\tnew\\nline']"))
        .isEqualTo(List.of("a", "x'y", "it's", "tab\tnew\nline"));
    assertThat(PyLiteral.parse(" ('a', 'b',) ")).isEqualTo(List.of("a", "b"));
    assertThat(PyLiteral.parse("'caf\\xe9' '\\u00e9'")).isEqualTo("café" + "é");
  }

  @Test
  void numbersBooleansNoneAndDicts() {
    assertThat(PyLiteral.parse("[1, -2, 3.5, 1e3, True, False, None]"))
        .isEqualTo(Arrays.asList(1L, -2L, 3.5, 1000.0, true, false, null));
    assertThat(PyLiteral.parse("{'a': [1], 'b': 'x'}")).isEqualTo(Map.of("a", List.of(1L), "b", "x"));
  }

  @Test
  void whatIsNotOneLiteralIsRefused() {
    assertThatThrownBy(() -> PyLiteral.parse("[a, b]")).hasMessageContaining("not a Python literal: 'a'");
    assertThatThrownBy(() -> PyLiteral.parse("['a'] x")).hasMessageContaining("after the value");
    assertThatThrownBy(() -> PyLiteral.parse("['a'")).hasMessageContaining("unexpected end");
    assertThatThrownBy(() -> PyLiteral.parse("'abc")).hasMessageContaining("unterminated");
  }
}
