package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes one safetensors file by streaming tensors in chunks: only a fixed-size buffer is ever
 * held, whatever the tensor sizes. Header keys follow the tensor order and the header is padded
 * with spaces so the data starts at a multiple of 8 bytes.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER_BYTES = 4 << 20;

  /** The output info of {@code t} when floats are stored as {@code dtype} (null keeps it). */
  public static TensorInfo outputInfo(Tensor t, DType dtype) {
    return dtype != null && t.dtype().isFloatingPoint() ? t.info().withDtype(dtype) : t.info();
  }

  /** The header: 8-byte little-endian length, then the padded JSON. */
  static byte[] header(List<TensorInfo> infos, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (TensorInfo t : infos) {
      ObjectNode e = root.putObject(t.name());
      e.put("dtype", t.dtype().name());
      ArrayNode shape = e.putArray("shape");
      t.shape().forEach(shape::add);
      ArrayNode off = e.putArray("data_offsets");
      off.add(offset);
      offset += t.byteSize();
      off.add(offset);
    }
    byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(json);
    while (out.hasRemaining()) {
      out.put((byte) ' ');
    }
    return out.array();
  }

  /**
   * Writes {@code tensors} to a new file {@code file} (which must not exist), converting floating
   * point tensors to {@code dtype} (null keeps them), and fsyncs it.
   *
   * @param written told of every chunk's byte count
   */
  public static void write(Path file, List<? extends Tensor> tensors, DType dtype, Map<String, String> metadata,
      LongConsumer written) throws IOException {
    List<TensorInfo> infos = tensors.stream().map(t -> outputInfo(t, dtype)).toList();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(header(infos, metadata)));
      ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < tensors.size(); i++) {
        writeTensor(ch, tensors.get(i), infos.get(i).dtype(), buffer, written);
      }
      ch.force(true);
    }
  }

  private static void writeTensor(FileChannel ch, Tensor t, DType out, ByteBuffer buffer, LongConsumer written)
      throws IOException {
    MemorySegment src = out == t.dtype() ? rawBytes(t) : null;
    if (src != null) {
      long size = src.byteSize();
      if (size != t.info().byteSize()) {
        throw new IOException("tensor " + t.name() + " supplies " + size + " bytes, its shape needs " + t.info().byteSize());
      }
      for (long pos = 0; pos < size; ) {
        long n = Math.min(BUFFER_BYTES, size - pos);
        if (src.isNative()) { // mapped or off-heap: hand the pages to the channel without a copy
          writeFully(ch, src.asSlice(pos, n).asByteBuffer());
        } else { // heap segments of non-byte arrays cannot be viewed as a ByteBuffer
          buffer.clear().limit((int) n);
          MemorySegment.copy(src, pos, MemorySegment.ofBuffer(buffer), 0, n);
          writeFully(ch, buffer);
        }
        written.accept(n);
        pos += n;
      }
      return;
    }
    int width = out.byteSize();
    int chunk = BUFFER_BYTES / Math.max(width, 4);
    float[] floats = new float[(int) Math.min(chunk, Math.max(1, t.elementCount()))];
    MemorySegment seg = MemorySegment.ofBuffer(buffer.clear());
    for (long e = 0; e < t.elementCount(); ) {
      int n = (int) Math.min(floats.length, t.elementCount() - e);
      t.readFloats(e, floats, 0, n);
      FloatCodec.encode(out, floats, 0, n, seg, 0);
      buffer.clear().limit(n * width);
      writeFully(ch, buffer);
      written.accept((long) n * width);
      e += n;
    }
  }

  /** The stored bytes, or null for a float tensor that only supplies floats (generated data). */
  private static MemorySegment rawBytes(Tensor t) {
    try {
      return t.bytes();
    } catch (UnsupportedOperationException e) {
      if (!t.dtype().isFloatingPoint()) {
        throw e;
      }
      return null;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
