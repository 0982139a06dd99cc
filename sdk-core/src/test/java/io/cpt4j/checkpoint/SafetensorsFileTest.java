package io.cpt4j.checkpoint;

import static io.cpt4j.checkpoint.TestCheckpoints.header;
import static io.cpt4j.checkpoint.TestCheckpoints.headerLength;
import static io.cpt4j.checkpoint.TestCheckpoints.littleEndian;
import static io.cpt4j.checkpoint.TestCheckpoints.safetensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.TestCheckpoints.RawTensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single safetensors files through {@link Safetensors#write} and {@link Safetensors#open}. */
class SafetensorsFileTest {
  @TempDir Path tmp;

  private static final RawTensor I64 = RawTensor.of("ids", DType.I64, new long[] {2, 3},
      littleEndian(48, b -> b.putLong(0).putLong(1).putLong(-1).putLong(Long.MAX_VALUE).putLong(Long.MIN_VALUE).putLong(42)));
  private static final RawTensor I32 = RawTensor.of("positions", DType.I32, new long[] {4},
      littleEndian(16, b -> b.putInt(7).putInt(-7).putInt(Integer.MAX_VALUE).putInt(Integer.MIN_VALUE)));
  private static final RawTensor U8 = RawTensor.of("bytes", DType.U8, new long[] {5}, new byte[] {0, 1, 127, (byte) 128, (byte) 255});
  private static final RawTensor BOOL = RawTensor.of("mask", DType.BOOL, new long[] {1, 3}, new byte[] {1, 0, 1});
  private static final RawTensor I16 = RawTensor.of("shorts", DType.I16, new long[] {2},
      littleEndian(4, b -> b.putShort((short) -2).putShort(Short.MAX_VALUE)));
  private static final RawTensor I8 = RawTensor.of("tiny", DType.I8, new long[] {3}, new byte[] {-128, 0, 127});
  private static final Tensor FLOATS = Tensor.ofFloats("weights", new long[] {3}, new float[] {1.0f, -2.5f, 1 + 0x1p-8f});

  @Test
  void integerAndBooleanTensorsReadBackAsTheirRawBytes() {
    Path file = tmp.resolve("ints.safetensors");
    List<Tensor> tensors = List.of(I64, I32, U8, BOOL, I16, I8, FLOATS);
    Safetensors.write(file, tensors, null, Map.of("kind", "test"));
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.tensors()).containsExactlyElementsOf(tensors.stream().map(Tensor::info).toList());
      assertThat(store.metadata()).isEqualTo(Map.of("kind", "test"));
      assertThat(store.files()).containsExactly(file);
      for (RawTensor raw : List.of(I64, I32, U8, BOOL, I16, I8)) {
        Tensor t = store.tensor(raw.name());
        assertThat(t.bytes().byteSize()).isEqualTo(raw.data().length);
        assertThat(t.bytes().toArray(ValueLayout.JAVA_BYTE)).as(raw.name()).isEqualTo(raw.data());
        assertThat(t.bytes().isReadOnly()).isTrue();
      }
      assertThat(store.tensor("weights").toFloatArray()).containsExactly(1.0f, -2.5f, 1 + 0x1p-8f);
    }
  }

  @Test
  void integerTensorsCannotBeReadAsFloats() {
    Path file = tmp.resolve("ints.safetensors");
    Safetensors.write(file, List.of(I32, BOOL), null, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      assertThatThrownBy(() -> store.tensor("positions").readFloats(0, new float[4], 0, 4))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("positions").hasMessageContaining("bytes()");
      assertThatThrownBy(() -> store.tensor("mask").toFloatArray()).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void narrowingFloatsLeavesIntegerTensorsAlone() {
    Path file = tmp.resolve("mixed.safetensors");
    Safetensors.write(file, List.of(FLOATS, I64, BOOL), DType.BF16, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.tensor("weights").dtype()).isEqualTo(DType.BF16);
      assertThat(store.tensor("weights").toFloatArray()).containsExactly(1.0f, -2.5f, 1.0f); // 1+2^-8 ties to 1
      assertThat(store.tensor("ids").info()).isEqualTo(I64.info());
      assertThat(store.tensor("ids").bytes().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(I64.data());
      assertThat(store.tensor("mask").bytes().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(BOOL.data());
    }
  }

  @Test
  void scalarAndEmptyTensorsRoundTrip() {
    Path file = tmp.resolve("shapes.safetensors");
    Tensor scalar = Tensor.ofFloats("scalar", new long[] {}, new float[] {3.5f});
    Tensor empty = Tensor.ofFloats("empty", new long[] {0, 4}, new float[0]);
    Safetensors.write(file, List.of(empty, scalar, I8), DType.F16, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.tensor("scalar").shape()).isEmpty();
      assertThat(store.tensor("scalar").toFloatArray()).containsExactly(3.5f);
      assertThat(store.tensor("empty").shape()).containsExactly(0L, 4L);
      assertThat(store.tensor("empty").toFloatArray()).isEmpty();
      assertThat(store.tensor("empty").bytes().byteSize()).isZero();
    }
  }

  @Test
  void f64TensorsReadAsRoundedFloatsAndNarrowOnWrite() {
    RawTensor f64 = RawTensor.of("doubles", DType.F64, new long[] {2}, littleEndian(16, b -> b.putDouble(0.1).putDouble(1e300)));
    Path kept = tmp.resolve("f64.safetensors");
    Path narrowed = tmp.resolve("f32.safetensors");
    Safetensors.write(kept, List.of(f64), null, Map.of());
    Safetensors.write(narrowed, List.of(f64), DType.F32, Map.of());
    try (TensorStore a = Safetensors.open(kept); TensorStore b = Safetensors.open(narrowed)) {
      assertThat(a.tensor("doubles").dtype()).isEqualTo(DType.F64);
      assertThat(a.tensor("doubles").toFloatArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY);
      assertThat(b.tensor("doubles").dtype()).isEqualTo(DType.F32);
      assertThat(b.tensor("doubles").toFloatArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY);
    }
  }

  @Test
  void withoutMetadataTheHeaderHasNoMetadataEntry() {
    Path file = tmp.resolve("plain.safetensors");
    Safetensors.write(file, List.of(FLOATS), null, Map.of());
    assertThat(header(file).has("__metadata__")).isFalse();
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.metadata()).isEmpty();
    }
  }

  @Test
  void theHeaderIsPaddedWithSpacesSoDataStartsAtAMultipleOf8() throws Exception {
    for (int nameLength = 1; nameLength <= 9; nameLength++) {
      Path file = tmp.resolve("pad" + nameLength + ".safetensors");
      Safetensors.write(file, List.of(Tensor.ofFloats("x".repeat(nameLength), new long[] {1}, new float[] {2f})), null,
          Map.of("format", "pt"));
      long length = headerLength(file);
      assertThat(length % 8).isZero();
      byte[] all = Files.readAllBytes(file);
      assertThat(all).hasSize((int) (8 + length + 4));
      String headerText = new String(all, 8, (int) length, java.nio.charset.StandardCharsets.UTF_8);
      assertThat(headerText.stripTrailing()).endsWith("}");
      assertThat(headerText.substring(headerText.stripTrailing().length())).matches(" *");
      assertThat(header(file).get("x".repeat(nameLength)).get("data_offsets").toString()).isEqualTo("[0,4]");
    }
  }

  @Test
  void tensorsAreListedInDataOrderWhateverTheHeaderOrder() {
    String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
        + "\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"__metadata__\":{\"format\":\"pt\"}}";
    byte[] data = littleEndian(8, b -> b.putShort((short) 0x3c00).putShort((short) 0xc000) // F16 1, -2
        .putShort((short) 0x3f80).putShort((short) 0x4040)); // BF16 1, 3
    Path file = TestCheckpoints.write(tmp.resolve("order.safetensors"), safetensors(header, data));
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.tensors()).extracting(TensorInfo::name).containsExactly("a", "b");
      assertThat(store.tensor("a").toFloatArray()).containsExactly(1f, -2f);
      assertThat(store.tensor("b").toFloatArray()).containsExactly(1f, 3f);
      assertThat(store.metadata()).containsExactly(Map.entry("format", "pt"));
    }
  }

  @Test
  void readingOutsideATensorIsAnIndexError() {
    Path file = tmp.resolve("f.safetensors");
    Safetensors.write(file, List.of(FLOATS), null, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      Tensor t = store.tensor("weights");
      assertThatThrownBy(() -> t.readFloats(2, new float[2], 0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> t.readFloats(-1, new float[2], 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> t.readFloats(0, new float[2], 1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
      float[] dst = new float[1];
      t.readFloats(3, dst, 1, 0); // an empty read at the end is fine
    }
  }

  @Test
  void anUnknownTensorNameIsACheckpointExceptionNamingIt() {
    Path file = tmp.resolve("f.safetensors");
    Safetensors.write(file, List.of(FLOATS), null, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.contains("weights")).isTrue();
      assertThat(store.contains("nope")).isFalse();
      assertThatThrownBy(() -> store.tensor("nope")).isInstanceOf(CheckpointException.class).hasMessageContaining("'nope'");
    }
  }

  @Test
  void closingIsIdempotentAndMakesTensorsUnreadable() {
    Path file = tmp.resolve("f.safetensors");
    Safetensors.write(file, List.of(FLOATS), null, Map.of());
    TensorStore store = Safetensors.open(file);
    Tensor t = store.tensor("weights");
    store.close();
    store.close();
    assertThatThrownBy(t::toFloatArray).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aMissingFileOrADirectoryIsACheckpointException() throws Exception {
    assertThatThrownBy(() -> Safetensors.open(tmp.resolve("absent.safetensors")))
        .isExactlyInstanceOf(CheckpointException.class).hasMessageContaining("absent.safetensors");
    Path dir = Files.createDirectory(tmp.resolve("dir.safetensors"));
    assertThatThrownBy(() -> Safetensors.open(dir)).isExactlyInstanceOf(CheckpointException.class)
        .hasMessageContaining("directory");
  }

  @Test
  void anExistingFileIsReplaced() {
    Path file = tmp.resolve("f.safetensors");
    Safetensors.write(file, List.of(I8), null, Map.of());
    Safetensors.write(file, List.of(FLOATS), null, Map.of());
    try (TensorStore store = Safetensors.open(file)) {
      assertThat(store.tensors()).extracting(TensorInfo::name).containsExactly("weights");
    }
    assertThat(TestCheckpoints.list(tmp)).containsExactly("f.safetensors");
  }
}
