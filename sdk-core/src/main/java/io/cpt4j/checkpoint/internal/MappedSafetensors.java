package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.MalformedCheckpointException;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped safetensors file. The header is read with plain I/O and validated before the
 * file is mapped; the data buffer is mapped read-only in a shared arena (any size, any thread) and
 * unmapped on {@link #close()}.
 */
public final class MappedSafetensors implements TensorStore {
  private final Path file;
  private final SafetensorsHeader header;
  private final Arena arena;
  private final Map<String, MappedTensor> tensors;

  private MappedSafetensors(Path file, SafetensorsHeader header, Arena arena, MemorySegment data) {
    this.file = file;
    this.header = header;
    this.arena = arena;
    Map<String, MappedTensor> m = new LinkedHashMap<>();
    for (SafetensorsHeader.Entry e : header.entries()) {
      m.put(e.info().name(), new MappedTensor(e.info(), data.asSlice(e.begin(), e.end() - e.begin())));
    }
    this.tensors = Collections.unmodifiableMap(m);
  }

  /**
   * Opens, validates and maps {@code file}.
   *
   * @throws MalformedCheckpointException if the file is not valid safetensors
   * @throws CheckpointException if it cannot be read
   */
  public static MappedSafetensors open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size == 0) {
        throw new MalformedCheckpointException(file, "file is empty");
      }
      if (size < 8) {
        throw new MalformedCheckpointException(
            file, "truncated: " + size + " bytes, a safetensors file needs at least an 8-byte header length");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLength = len.getLong(0);
      if (headerLength < 0 || headerLength > size - 8) {
        throw new MalformedCheckpointException(file, "header length " + Long.toUnsignedString(headerLength)
            + " runs beyond the end of the " + size + "-byte file (truncated or not safetensors)");
      }
      if (headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
        throw new MalformedCheckpointException(
            file, "header length " + headerLength + " exceeds the " + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit");
      }
      if (headerLength < 2) {
        throw new MalformedCheckpointException(file, "header of " + headerLength + " bytes cannot hold a JSON object");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLength);
      readFully(ch, hb, 8);
      byte[] headerBytes = hb.array();
      if (headerBytes[0] != '{') {
        throw new MalformedCheckpointException(file, "header does not start with '{'");
      }
      SafetensorsHeader header = SafetensorsHeader.parse(file, size, headerLength, headerBytes);
      long dataLength = size - header.dataStart();
      Arena arena = Arena.ofShared();
      try {
        MemorySegment data = dataLength == 0
            ? MemorySegment.ofArray(new byte[0])
            : ch.map(FileChannel.MapMode.READ_ONLY, header.dataStart(), dataLength, arena);
        return new MappedSafetensors(file, header, arena, data.asReadOnly());
      } catch (IOException | RuntimeException e) {
        arena.close();
        throw e;
      }
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "no such file");
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  /** The file. */
  public Path file() {
    return file;
  }

  @Override
  public List<TensorInfo> tensors() {
    List<TensorInfo> out = new ArrayList<>(tensors.size());
    for (MappedTensor t : tensors.values()) {
      out.add(t.info());
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public Tensor tensor(String name) {
    MappedTensor t = tensors.get(name);
    if (t == null) {
      throw new CheckpointException(file, "no tensor named '" + name + "'");
    }
    return t;
  }

  @Override
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  @Override
  public Map<String, String> metadata() {
    return header.metadata();
  }

  @Override
  public List<Path> files() {
    return List.of(file);
  }

  @Override
  public synchronized void close() {
    if (arena.scope().isAlive()) {
      arena.close();
    }
  }
}
