package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

  @Test
  void theFlagConverterReadsSizesAndRejectsBadOnes() {
    assertThat(new ByteSize().convert("2GiB")).isEqualTo(2147483648L);
    assertThatThrownBy(() -> new ByteSize().convert("2XB")).isInstanceOf(picocli.CommandLine.TypeConversionException.class)
        .hasMessageContaining("invalid size '2XB'");
  }

  @Test
  void shortParameterCounts() {
    assertThat(Numbers.shortForm(950)).isEqualTo("950");
    assertThat(Numbers.shortForm(12_345)).isEqualTo("12.3K");
    assertThat(Numbers.shortForm(162_322_944)).isEqualTo("162.3M");
    assertThat(Numbers.shortForm(6_738_415_616L)).isEqualTo("6.7B");
    assertThat(Numbers.grouped(162_322_944)).isEqualTo("162,322,944");
  }
}
