package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ByteSizeTest {

  @ParameterizedTest
  @CsvSource({
    "2GB, 2000000000",
    "2gb, 2000000000",
    "500MB, 500000000",
    "10KB, 10000",
    "10kb, 10000",
    "2GiB, 2147483648",
    "1.5 GiB, 1610612736",
    "5mib, 5242880",
    "1048576, 1048576",
    "123B, 123",
    "1TB, 1000000000000",
  })
  void parsesLikeHuggingFace(String text, long bytes) {
    assertThat(ByteSize.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GB", "2XB", "-1GB", "0", "0MB", "two GB", "1e9", "99999999999PB"})
  void rejectsBadSizes(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void formatsDecimal() {
    assertThat(ByteSize.format(512)).isEqualTo("512 B");
    assertThat(ByteSize.format(1234)).isEqualTo("1.2 kB");
    assertThat(ByteSize.format(999_950)).isEqualTo("1.0 MB");
    assertThat(ByteSize.format(6_738_415_616L)).isEqualTo("6.7 GB");
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
