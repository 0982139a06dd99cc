package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one byte-size grammar and its two displays (decimal for files, binary for memory). */
class ByteSizesTest {

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
    assertThat(ByteSizes.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "GB", "2XB", "-1GB", "0", "0MB", "two GB", "1e9", "99999999999PB"})
  void rejectsBadSizes(String text) {
    assertThatThrownBy(() -> ByteSizes.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void formatsDecimal() {
    assertThat(ByteSizes.decimal(512)).isEqualTo("512 B");
    assertThat(ByteSizes.decimal(1234)).isEqualTo("1.2 kB");
    assertThat(ByteSizes.decimal(999_950)).isEqualTo("1.0 MB");
    assertThat(ByteSizes.decimal(6_738_415_616L)).isEqualTo("6.7 GB");
  }

  @Test
  void formatsBinaryWithThreeSignificantDigits() {
    assertThat(ByteSizes.binary(512)).isEqualTo("512 B");
    assertThat(ByteSizes.binary(1536)).isEqualTo("1.50 KiB");
    assertThat(ByteSizes.binary(12_884_901_888L + 322_122_547L)).isEqualTo("12.3 GiB");
    assertThat(ByteSizes.binary(170_000_000L)).isEqualTo("162 MiB");
  }
}
