package io.cpt4j.checkpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors that only supply floats and span several writer chunks go through the pipelined path
 * (next chunk read and encoded in parallel while the current one is written): the bytes must be
 * exactly the sequential encoding, and a failing source must fail the write.
 */
class PipelinedWriteTest {
  @TempDir Path dir;

  /** floats only; element i is a function of i; fails at {@code failAt} if set. */
  record Generated(TensorInfo info, long failAt) implements Tensor {
    static float value(long i) {
      return (float) Math.sin(i * 0.001) * (1 + (i % 7)) + (i % 1000 == 0 ? Float.NaN : 0);
    }

    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("generated");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      Objects.checkFromIndexSize(fromElement, length, info.elementCount());
      if (fromElement <= failAt && failAt < fromElement + length) {
        throw new IllegalStateException("source failed at " + failAt);
      }
      for (int i = 0; i < length; i++) {
        dst[offset + i] = value(fromElement + i);
      }
    }
  }

  @Test
  void severalChunksAreWrittenInOrderWithTheSequentialEncoding() throws Exception {
    long n = 2_500_003; // 2.4 chunks of BF16 (1 Mi floats each)
    for (DType out : List.of(DType.BF16, DType.F32)) {
      Path file = dir.resolve(out + ".safetensors");
      Tensor small = new Generated(TensorInfo.of("small", DType.F32, 5), -1);
      Tensor big = new Generated(TensorInfo.of("big", DType.F32, n), -1);
      Tensor after = new Generated(TensorInfo.of("after", DType.F32, 3), -1);
      SafetensorsWriter.write(file, List.of(small, big, after), out, Map.of(), b -> { });
      byte[] bytes = Files.readAllBytes(file);
      long headerLen = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
      int data = (int) (8 + headerLen);
      int w = out.byteSize();
      MemorySegment seg = MemorySegment.ofArray(bytes);
      float[] want = new float[(int) n];
      for (int i = 0; i < n; i++) {
        want[i] = Generated.value(i);
      }
      MemorySegment expected = MemorySegment.ofArray(new byte[(int) n * w]);
      FloatCodec.encode(out, want, 0, (int) n, expected, 0);
      long bigStart = data + 5L * w;
      assertThat(seg.asSlice(bigStart, n * w).mismatch(expected)).as(out.name()).isEqualTo(-1);
      assertThat(bytes.length).isEqualTo(data + (5 + n + 3) * w);
    }
  }

  @Test
  void aSourceFailingInALaterChunkFailsTheWrite() {
    Tensor big = new Generated(TensorInfo.of("big", DType.F32, 3_000_000), 2_100_000);
    assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("x.safetensors"), List.of(big), DType.BF16, Map.of(),
        b -> { })).isInstanceOf(IllegalStateException.class).hasMessageContaining("source failed at 2100000");
  }
}
