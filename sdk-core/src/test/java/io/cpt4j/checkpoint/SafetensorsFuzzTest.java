package io.cpt4j.checkpoint;

import static io.cpt4j.checkpoint.TestCheckpoints.littleEndian;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.TestCheckpoints.RawTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Mutates valid safetensors files and indexes at random. Whatever the damage, opening (and reading
 * every tensor of what opens) either succeeds or fails with exactly {@link
 * MalformedCheckpointException} or {@link CheckpointException}, never with another exception.
 */
class SafetensorsFuzzTest {
  private static Path dir;
  private static List<byte[]> seeds;
  private static byte[] indexSeed;

  @BeforeContainer
  static void writeSeeds() throws IOException {
    dir = Files.createTempDirectory("cpt4j-fuzz");
    seeds = new ArrayList<>();
    // A hand-built file with every kind of entry: floats of each width, integers, bool, scalar, empty.
    String header = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[22,24]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[24,32]},"
        + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[32,34]},"
        + "\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[34,42]},"
        + "\"e\":{\"dtype\":\"I32\",\"shape\":[0,7],\"data_offsets\":[42,42]}}";
    byte[] data = new byte[42];
    new java.util.Random(1).nextBytes(data);
    seeds.add(TestCheckpoints.safetensors(header, data));
    // A file from the writer (padded header, format=pt).
    Path written = dir.resolve("written.safetensors");
    Safetensors.write(written, List.of(
        Tensor.ofFloats("model.weight", new long[] {3, 4}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
        RawTensor.of("model.ids", DType.I32, new long[] {2}, littleEndian(8, b -> b.putInt(1).putInt(-1)))),
        DType.BF16, Map.of("format", "pt"));
    seeds.add(Files.readAllBytes(written));
    // A small sharded checkpoint, whose index is mutated by the last property.
    ModelConfig config = TestCheckpoints.tinyLlama();
    CheckpointWriter.to(dir.resolve("sharded")).config(config).maxShardSize(6000).write(TestCheckpoints.randomTensors(config, 1));
    indexSeed = Files.readAllBytes(dir.resolve("sharded/model.safetensors.index.json"));
  }

  @AfterContainer
  static void deleteSeeds() throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  // ------------------------------------------------------------------------ properties

  @Property(tries = 400)
  void bytesReplacedAnywhereNeverEscapeTheCheckpointExceptions(
      @ForAll @IntRange(min = 0, max = 1) int seed, @ForAll("edits") List<Edit> edits) {
    byte[] file = seeds.get(seed).clone();
    long headerEnd = 8 + ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    for (Edit e : edits) {
      // Most edits hit the length prefix or the header, where the parsing happens.
      int bound = e.inHeader() ? (int) Math.min(headerEnd, file.length) : file.length;
      int at = e.position() % bound;
      file[at] = e.flip() ? (byte) (file[at] ^ (1 << (e.value() & 7))) : e.value();
    }
    openAndReadEverything(file);
  }

  @Property(tries = 200)
  void truncatedFilesNeverEscapeTheCheckpointExceptions(
      @ForAll @IntRange(min = 0, max = 1) int seed, @ForAll @IntRange(min = 0, max = 100_000) int keep) {
    byte[] file = seeds.get(seed);
    openAndReadEverything(Arrays.copyOf(file, keep % (file.length + 1)));
  }

  @Property(tries = 200)
  void anyLengthPrefixNeverEscapesTheCheckpointExceptions(@ForAll @IntRange(min = 0, max = 1) int seed, @ForAll long prefix) {
    byte[] file = seeds.get(seed).clone();
    ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0, prefix);
    openAndReadEverything(file);
  }

  @Property(tries = 400)
  void jsonTokensSplicedIntoTheHeaderNeverEscapeTheCheckpointExceptions(
      @ForAll @IntRange(min = 0, max = 1) int seed,
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 10_000) Integer> positions,
      @ForAll @Size(min = 4, max = 4) List<@From("jsonTokens") String> tokens) {
    String header = headerOf(seeds.get(seed));
    StringBuilder h = new StringBuilder(header);
    for (int i = 0; i < positions.size(); i++) {
      h.insert(positions.get(i) % (h.length() + 1), tokens.get(i));
    }
    openAndReadEverything(withHeader(seeds.get(seed), h.toString()));
  }

  @Property(tries = 200)
  void anyDtypeNameNeverEscapesTheCheckpointExceptions(
      @ForAll @IntRange(min = 0, max = 1) int seed, @ForAll @IntRange(min = 0, max = 20) int which,
      @ForAll("dtypeNames") String dtype) {
    String header = headerOf(seeds.get(seed));
    List<int[]> spots = spans(Pattern.compile("\"dtype\":\"([^\"]*)\""), header);
    int[] s = spots.get(which % spots.size());
    String mutated = header.substring(0, s[0]) + dtype.replace("\\", "\\\\").replace("\"", "\\\"") + header.substring(s[1]);
    openAndReadEverything(withHeader(seeds.get(seed), mutated));
  }

  @Property(tries = 300)
  void anyNumberInShapesAndOffsetsNeverEscapesTheCheckpointExceptions(
      @ForAll @IntRange(min = 0, max = 1) int seed, @ForAll @IntRange(min = 0, max = 100) int which,
      @ForAll("numbers") String number) {
    String header = headerOf(seeds.get(seed));
    List<int[]> spots = spans(Pattern.compile("[\\[,](-?\\d+)"), header);
    int[] s = spots.get(which % spots.size());
    openAndReadEverything(withHeader(seeds.get(seed), header.substring(0, s[0]) + number + header.substring(s[1])));
  }

  @Property(tries = 200)
  void mutatedIndexesNeverEscapeTheCheckpointExceptions(
      @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 0, max = 100_000) Integer> positions,
      @ForAll @Size(min = 3, max = 3) List<@From("indexTokens") String> tokens,
      @ForAll @IntRange(min = 0, max = 3) int deletions) throws IOException {
    StringBuilder index = new StringBuilder(new String(indexSeed, StandardCharsets.UTF_8));
    for (int i = 0; i < positions.size(); i++) {
      int at = positions.get(i) % (index.length() + 1);
      if (i < deletions && at < index.length()) {
        index.deleteCharAt(at);
      } else {
        index.insert(at, tokens.get(i));
      }
    }
    Path file = dir.resolve("sharded/model.safetensors.index.json");
    Files.writeString(file, index);
    expectOnlyCheckpointExceptions(file);
  }

  // ------------------------------------------------------------------------ generators

  record Edit(int position, byte value, boolean flip, boolean inHeader) {}

  @Provide
  Arbitrary<List<Edit>> edits() {
    return Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.bytes(),
            Arbitraries.of(true, false), Arbitraries.frequency(net.jqwik.api.Tuple.of(4, true), net.jqwik.api.Tuple.of(1, false)))
        .as(Edit::new).list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<String> jsonTokens() {
    return Arbitraries.oneOf(
        Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "null", "true", "-", "0", "1e999", "\"__metadata__\"",
            "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "[0,4]", "[]", "{}", "\\u0000", "\\", " ",
            "9223372036854775807", "-1", "\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"),
        Arbitraries.strings().ofMaxLength(6));
  }

  @Provide
  Arbitrary<String> dtypeNames() {
    return Arbitraries.oneOf(
        Arbitraries.of(DType.values()).map(DType::name),
        Arbitraries.of("f32", "F8_E4M3", "F8_E5M2", "U16", "U32", "U64", "C64", "", "F32 ", "BF16\u0000", "\u00e9"),
        Arbitraries.strings().ofMaxLength(8));
  }

  @Provide
  Arbitrary<String> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.bigIntegers().between(java.math.BigInteger.ZERO, java.math.BigInteger.TEN.pow(40)).map(String::valueOf),
        Arbitraries.of("9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
            "4611686018427387904", "2147483648", "-0", "0.0", "1.5", "1e3", "1e308", "1E400", "-1", "00",
            "0x10", "NaN", "Infinity", "\"4\"", "null", "1".repeat(70)));
  }

  @Provide
  Arbitrary<String> indexTokens() {
    return Arbitraries.oneOf(
        Arbitraries.of("/", "..", "\\", "\"", "{", "}", ",", ":", "null", "[]", "\"model.safetensors\"",
            "\"../x.safetensors\"", "\"config.json\"", "\"weight_map\":{},", "\"x\":\"model-00001-of-00002.safetensors\","),
        Arbitraries.strings().ofMaxLength(5));
  }

  // ------------------------------------------------------------------------ helpers

  private static String headerOf(byte[] file) {
    int length = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    return new String(file, 8, length, StandardCharsets.UTF_8);
  }

  /** The same data behind a new header, with a correct length prefix. */
  private static byte[] withHeader(byte[] file, String header) {
    int oldLength = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    byte[] data = Arrays.copyOfRange(file, 8 + oldLength, file.length);
    return TestCheckpoints.safetensors(header, data);
  }

  /** Start and end of group 1 of every match. */
  private static List<int[]> spans(Pattern p, String s) {
    List<int[]> out = new ArrayList<>();
    Matcher m = p.matcher(s);
    while (m.find()) {
      out.add(new int[] {m.start(1), m.end(1)});
    }
    return out;
  }

  private static void openAndReadEverything(byte[] content) {
    Path file = dir.resolve("fuzz.safetensors");
    try {
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    expectOnlyCheckpointExceptions(file);
  }

  private static void expectOnlyCheckpointExceptions(Path file) {
    try (TensorStore store = Safetensors.open(file)) {
      long checksum = 0;
      float[] buffer = new float[64];
      for (TensorInfo info : store.tensors()) {
        Tensor t = store.tensor(info.name());
        assertThat(t.bytes().byteSize()).isEqualTo(info.byteSize());
        if (info.dtype().isFloatingPoint()) {
          for (long e = 0; e < info.elementCount(); e += buffer.length) {
            int n = (int) Math.min(buffer.length, info.elementCount() - e);
            t.readFloats(e, buffer, 0, n);
            checksum += Float.floatToIntBits(buffer[0]);
          }
        } else {
          MemorySegment bytes = t.bytes();
          for (long i = 0; i < bytes.byteSize(); i++) {
            checksum += bytes.get(ValueLayout.JAVA_BYTE, i);
          }
        }
      }
      assertThat(store.metadata()).isNotNull();
      assertThat(checksum).isNotEqualTo(Long.MIN_VALUE); // keeps the reads from being optimised away
    } catch (CheckpointException e) {
      assertThat(e.getClass()).isIn(MalformedCheckpointException.class, CheckpointException.class);
      assertThat(e.path()).as("the file at fault").isPresent();
      assertThat(e.getMessage()).startsWith(e.path().get() + ": ").hasSizeGreaterThan(e.path().get().toString().length() + 5);
    }
  }
}
