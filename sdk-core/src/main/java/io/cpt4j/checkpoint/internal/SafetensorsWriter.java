package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * Writes one safetensors file by streaming tensors in chunks: only fixed-size buffers are ever
 * held, whatever the tensor sizes. Tensors that only supply floats are pipelined: while a background
 * thread writes one chunk, the calling thread reads the next (a merged tensor computes it then, in
 * parallel) and encodes it in parallel. Header keys follow the tensor order and the header is padded
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
      new java.util.TreeMap<>(metadata).forEach(meta::put); // sorted: the same bytes on every run
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
      Chunk[] chunks = new Chunk[2]; // allocated on first use, reused for every tensor of the file
      for (int i = 0; i < tensors.size(); i++) {
        writeTensor(ch, tensors.get(i), infos.get(i).dtype(), buffer, chunks, written);
      }
      ch.force(true);
    }
  }

  private static void writeTensor(FileChannel ch, Tensor t, DType out, ByteBuffer buffer, Chunk[] chunks,
      LongConsumer written) throws IOException {
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
    long total = t.elementCount();
    if (total <= chunk) {
      float[] floats = new float[(int) Math.max(1, total)];
      int n = (int) total;
      t.readFloats(0, floats, 0, n);
      FloatCodec.encode(out, floats, 0, n, MemorySegment.ofBuffer(buffer.clear()), 0);
      buffer.clear().limit(n * width);
      writeFully(ch, buffer);
      written.accept((long) n * width);
      return;
    }
    // Two chunks in flight: this thread reads the next chunk (a merge computes it then, in parallel
    // with this thread taking part) and encodes it, while a background thread writes the current one.
    for (int i = 0; i < chunks.length; i++) {
      if (chunks[i] == null) {
        chunks[i] = new Chunk();
      }
    }
    CompletableFuture<Void> pending = null;
    long pendingBytes = 0;
    try (ExecutorService io = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory())) {
      try {
        for (long from = 0, i = 0; from < total; i++) {
          Chunk c = chunks[(int) (i % 2)];
          c.fill(t, out, from, chunk); // the other chunk may still be being written
          if (pending != null) {
            join(pending);
            written.accept(pendingBytes);
          }
          ByteBuffer bytes = c.bytes.clear().limit(c.n * width);
          pending = CompletableFuture.runAsync(() -> {
            try {
              writeFully(ch, bytes);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }, io);
          pendingBytes = (long) c.n * width;
          from += c.n;
        }
        join(pending);
        written.accept(pendingBytes);
        pending = null;
      } finally {
        if (pending != null) { // failed while a chunk was being written: let the write end first
          pending.handle((v, e) -> v).join();
        }
      }
    }
  }

  /** Elements encoded per parallel task. */
  private static final int ENCODE_PIECE = 1 << 16;

  /** One chunk of a float-streamed tensor: its floats and their encoding. */
  private static final class Chunk {
    final float[] floats = new float[BUFFER_BYTES / 4];
    final ByteBuffer bytes = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    int width;
    int n;

    /** Reads and encodes up to {@code elements} (at most {@code BUFFER_BYTES / max(width, 4)}). */
    void fill(Tensor t, DType out, long start, int elements) {
      width = out.byteSize();
      n = (int) Math.min(elements, t.elementCount() - start);
      t.readFloats(start, floats, 0, n);
      MemorySegment seg = MemorySegment.ofBuffer(bytes.clear());
      int pieces = (n + ENCODE_PIECE - 1) / ENCODE_PIECE;
      IntStream.range(0, pieces).parallel().forEach(p -> {
        int off = p * ENCODE_PIECE;
        FloatCodec.encode(out, floats, off, Math.min(ENCODE_PIECE, n - off), seg, (long) off * width);
      });
    }
  }

  private static void join(CompletableFuture<Void> f) throws IOException {
    try {
      f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IOException(e.getCause());
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
