package io.cpt4j.checkpoint;

import static io.cpt4j.checkpoint.TestCheckpoints.safetensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Strict validation of hand-built safetensors files (the length prefix, header and data are written
 * byte by byte here, independently of the writer). Each defect gives a {@link
 * MalformedCheckpointException} whose message names the file and the defect.
 */
class MalformedSafetensorsTest {
  @TempDir Path tmp;

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  private static String header(String... entries) {
    return "{" + String.join(",", entries) + "}";
  }

  private Path file(byte[] content) {
    return TestCheckpoints.write(tmp.resolve("bad.safetensors"), content);
  }

  private static void assertMalformed(Path file, String... fragments) {
    assertThatThrownBy(() -> Safetensors.open(file).close())
        .isExactlyInstanceOf(MalformedCheckpointException.class)
        .hasMessageStartingWith(file + ": ")
        .hasMessageContainingAll(fragments)
        .satisfies(e -> assertThat(((CheckpointException) e).path()).hasValue(file));
  }

  @Test
  void aValidHandBuiltFileOpens() {
    Path f = file(safetensors(header(entry("a", "F32", "[2]", 0, 8)), new byte[8]));
    try (TensorStore s = Safetensors.open(f)) {
      assertThat(s.tensor("a").toFloatArray()).containsExactly(0f, 0f);
    }
  }

  @Test
  void aHeaderLengthBeyondTheEndOfTheFileIsRejected() {
    byte[] h = header(entry("a", "F32", "[1]", 0, 4)).getBytes(StandardCharsets.UTF_8);
    assertMalformed(file(safetensors(1000, h, new byte[4])), "header length 1000", "runs beyond");
  }

  @Test
  void aHeaderLengthWithTheTopBitSetIsRejected() {
    byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
    assertMalformed(file(safetensors(-1L, h, new byte[0])), "header length 18446744073709551615");
  }

  @Test
  void aHeaderLengthAboveTheLimitIsRejectedBeforeAnythingIsRead() throws Exception {
    Path f = tmp.resolve("huge.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(100_000_100L); // sparse: costs no disk
      raf.write(new byte[] {1, (byte) 0xe1, (byte) 0xf5, 5, 0, 0, 0, 0}); // 100_000_001 little-endian
    }
    assertMalformed(f, "header length 100000001", "limit");
  }

  @Test
  void aHeaderThatIsNotJsonIsRejected() {
    assertMalformed(file(safetensors("{\"a\": nope}", new byte[0])), "header is not valid JSON");
  }

  @Test
  void aHeaderThatIsNotAnObjectIsRejected() {
    assertMalformed(file(safetensors("[1, 2, 3]", new byte[0])), "header", "'{'");
    assertMalformed(file(safetensors("\"text\"", new byte[0])), "header", "'{'");
  }

  @Test
  void aHeaderWithTrailingContentAfterTheObjectIsRejected() {
    String h = header(entry("a", "F32", "[1]", 0, 4)) + " {\"b\": 1}";
    assertMalformed(file(safetensors(h, new byte[4])), "header is not valid JSON");
  }

  @Test
  void aHeaderTooShortForAnObjectIsRejected() {
    assertMalformed(file(safetensors(0, new byte[0], new byte[0])), "cannot hold a JSON object");
  }

  @Test
  void offsetsOutsideTheDataBufferAreRejected() {
    assertMalformed(file(safetensors(header(entry("a", "F32", "[4]", 0, 16)), new byte[8])),
        "tensor 'a'", "[0,16]", "outside the 8-byte data buffer");
  }

  @Test
  void overlappingOffsetsAreRejected() {
    String h = header(entry("a", "F32", "[2]", 0, 8), entry("b", "F32", "[2]", 4, 12));
    assertMalformed(file(safetensors(h, new byte[12])), "'b'", "overlaps");
  }

  @Test
  void aGapBetweenTensorsIsRejected() {
    String h = header(entry("a", "F32", "[1]", 0, 4), entry("b", "F32", "[1]", 8, 12));
    assertMalformed(file(safetensors(h, new byte[12])), "gap", "[4, 8)", "'b'");
  }

  @Test
  void trailingBytesAfterTheLastTensorAreRejected() {
    assertMalformed(file(safetensors(header(entry("a", "F32", "[1]", 0, 4)), new byte[8])),
        "cover 4 of the 8 data bytes", "trailing");
  }

  @Test
  void aShapeWhoseSizeDiffersFromTheByteLengthIsRejected() {
    assertMalformed(file(safetensors(header(entry("a", "F32", "[3]", 0, 8)), new byte[8])),
        "tensor 'a'", "[3]", "12 bytes", "span 8");
  }

  @Test
  void aNegativeDimensionIsRejected() {
    assertMalformed(file(safetensors(header(entry("a", "F32", "[-1]", 0, 0)), new byte[0])),
        "tensor 'a'", "[-1]", "non-negative");
  }

  @Test
  void anOverflowingShapeIsRejected() {
    assertMalformed(file(safetensors(header(entry("a", "F32", "[9223372036854775807,2]", 0, 8)), new byte[8])),
        "tensor 'a'", "overflows");
    assertMalformed(file(safetensors(header(entry("a", "F32", "[4611686018427387904]", 0, 8)), new byte[8])),
        "tensor 'a'", "overflows"); // 2^62 elements fit a long, their bytes do not
  }

  @Test
  void aDimensionBeyondLongIsRejected() {
    assertMalformed(file(safetensors(header(entry("a", "U8", "[18446744073709551616]", 0, 1)), new byte[1])),
        "tensor 'a'", "non-negative integers");
  }

  @Test
  void anUnknownDtypeIsRejected() {
    assertMalformed(file(safetensors(header(entry("a", "Q4", "[1]", 0, 1)), new byte[1])), "unknown dtype 'Q4'");
    assertMalformed(file(safetensors(header(entry("a", "f32", "[1]", 0, 4)), new byte[4])), "unknown dtype 'f32'");
  }

  @Test
  void duplicateTensorNamesAreRejected() {
    String h = header(entry("a", "F32", "[1]", 0, 4), entry("a", "F32", "[1]", 4, 8));
    assertMalformed(file(safetensors(h, new byte[8])), "Duplicate", "'a'");
  }

  @Test
  void anEmptyFileIsRejected() {
    assertMalformed(file(new byte[0]), "empty");
  }

  @Test
  void aFileShorterThanTheLengthPrefixIsRejected() {
    assertMalformed(file(new byte[] {2, 0, 0, 0, 0}), "truncated", "5 bytes");
  }

  @Test
  void truncatedDataIsRejected() {
    String h = header(entry("a", "F32", "[2]", 0, 8), entry("b", "F32", "[2]", 8, 16));
    assertMalformed(file(safetensors(h, new byte[11])), "tensor 'b'", "outside the 11-byte data buffer");
  }

  @Test
  void aHeaderThatIsNotUtf8IsRejected() {
    byte[] h = ("{\"a\u00ff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}").getBytes(StandardCharsets.ISO_8859_1);
    assertMalformed(file(safetensors(h.length, h, new byte[1])), "header is not valid JSON");
  }

  @Test
  void absurdlyDeepNestingIsRejected() {
    String h = "{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "}";
    assertMalformed(file(safetensors(h, new byte[0])), "header is not valid JSON");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown field             | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}  | unknown field 'x'
      missing dtype             | {"a":{"shape":[1],"data_offsets":[0,1]}}                     | missing or non-string dtype
      dtype not a string        | {"a":{"dtype":4,"shape":[1],"data_offsets":[0,1]}}           | missing or non-string dtype
      missing shape             | {"a":{"dtype":"U8","data_offsets":[0,1]}}                    | missing shape
      fractional dimension      | {"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}      | non-negative integers
      missing offsets           | {"a":{"dtype":"U8","shape":[1]}}                             | data_offsets must be an array
      three offsets             | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}      | data_offsets must be an array
      negative offset           | {"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}       | non-negative integers
      offsets reversed          | {"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}        | end before they begin
      entry not an object       | {"a":[1]}                                                    | entry must be an object
      empty name                | {"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}         | empty name
      metadata not an object    | {"__metadata__":[1],"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}   | __metadata__ must be an object
      metadata value not string | {"__metadata__":{"k":1},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}} | value of 'k' must be a string
      NaN offset                | {"a":{"dtype":"U8","shape":[1],"data_offsets":[NaN,1]}}      | header is not valid JSON
      """)
  void otherHeaderDefectsAreRejected(String defect, String header, String message) {
    assertMalformed(file(safetensors(header, new byte[1])), message);
  }
}
