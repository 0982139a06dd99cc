package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.DataException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8DecoderTest {
  @Test
  void validTextDecodesLikeTheJdk() {
    Random random = new Random(7);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      int cp = switch (random.nextInt(4)) {
        case 0 -> 0x20 + random.nextInt(0x5F);
        case 1 -> 0x80 + random.nextInt(0x780);
        case 2 -> 0x800 + random.nextInt(0xD000 - 0x800);
        default -> 0x10000 + random.nextInt(0x100000);
      };
      text.appendCodePoint(cp);
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(new Utf8Decoder("f", false, false).decode(bytes, 0, bytes.length, 0)).isEqualTo(text.toString());
  }

  @Test
  void aRangeInsideAnArrayReportsOffsetsFromItsOwnStart() {
    byte[] bytes = {'x', 'x', 'a', 'b', (byte) 0xFF, 'c'};
    assertThatThrownBy(() -> new Utf8Decoder("f.txt", false, false).decode(bytes, 2, 4, 1000))
        .isInstanceOf(DataException.class).hasMessageStartingWith("f.txt: invalid UTF-8 at byte offset 1002;");
  }

  @Test
  void replacementsAreCounted() {
    Utf8Decoder decoder = new Utf8Decoder("f", false, true);
    byte[] bytes = {(byte) 0xFF, 'a', (byte) 0xFE, (byte) 0xE2, (byte) 0x82};
    assertThat(decoder.decode(bytes, 0, bytes.length, 0)).isEqualTo("\uFFFDa\uFFFD\uFFFD");
    assertThat(decoder.replaced()).isEqualTo(3);
  }
}
