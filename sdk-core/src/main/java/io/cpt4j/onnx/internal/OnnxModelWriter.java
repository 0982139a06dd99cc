package io.cpt4j.onnx.internal;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OnnxExport;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Serializes an {@link OnnxGraph} as {@code model.onnx}, streaming the weights tensor by tensor
 * (in chunks) either into the protobuf or into one {@code model.onnx_data} file that the
 * initializers reference by offset and length (ONNX external data; offsets aligned to 4096 bytes so
 * ONNX Runtime can map them).
 */
final class OnnxModelWriter {
  static final String MODEL = "model.onnx";
  static final String DATA = "model.onnx_data";
  /** ONNX IR version 8 goes with opset 17. */
  static final long IR_VERSION = 8;
  /** Protobuf cannot serialize messages of 2 GiB or more. */
  static final long PROTOBUF_LIMIT = (1L << 31) - 1;
  private static final int CHUNK = 1 << 16;
  private static final long ALIGN = 4096;

  private OnnxModelWriter() {}

  /** Bytes of all weights of {@code g} as stored. */
  static long weightBytes(OnnxGraph g) {
    long n = 0;
    for (OnnxGraph.Weight w : g.weights()) {
      n += w.source().elementCount() * elementBytes(w.elementType());
    }
    return n;
  }

  /**
   * Writes {@code model.onnx} (and {@code model.onnx_data} when {@code external}) into {@code dir}.
   *
   * @throws OnnxException if inline weights would exceed protobuf's limit
   */
  static void write(OnnxGraph g, Path dir, boolean external, Map<String, String> metadata) throws IOException {
    GraphProto.Builder graph = g.proto();
    if (external) {
      try (FileChannel data = FileChannel.open(dir.resolve(DATA), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        for (OnnxGraph.Weight w : g.weights()) {
          long offset = (data.position() + ALIGN - 1) / ALIGN * ALIGN;
          data.position(offset);
          long length = stream(w, out -> writeFully(data, out));
          graph.addInitializer(header(w)
              .setDataLocation(TensorProto.DataLocation.EXTERNAL)
              .addExternalData(entry("location", DATA))
              .addExternalData(entry("offset", Long.toString(offset)))
              .addExternalData(entry("length", Long.toString(length))));
        }
        data.force(true);
      }
    } else {
      long bytes = weightBytes(g);
      if (bytes > PROTOBUF_LIMIT - (64L << 20)) {
        throw new OnnxException("the weights take " + bytes + " bytes, too many for one protobuf file (2 GiB):"
            + " export with external data (ExternalData.AUTO or ALWAYS)");
      }
      for (OnnxGraph.Weight w : g.weights()) {
        ByteString.Output out = ByteString.newOutput((int) (w.source().elementCount() * elementBytes(w.elementType())));
        stream(w, buf -> out.write(buf.array(), 0, buf.limit()));
        graph.addInitializer(header(w).setRawData(out.toByteString()));
      }
    }
    ModelProto.Builder model = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("cpt4j")
        .setProducerVersion(producerVersion())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExport.OPSET))
        .setGraph(graph);
    metadata.forEach((k, v) -> model.addMetadataProps(entry(k, v)));
    Path file = dir.resolve(MODEL);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW), 1 << 20)) {
      model.build().writeTo(out);
    }
  }

  private static TensorProto.Builder header(OnnxGraph.Weight w) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(w.name()).setDataType(w.elementType());
    for (long d : w.source().shape()) {
      t.addDims(d);
    }
    return t;
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  private interface ChunkSink {
    void accept(ByteBuffer chunk) throws IOException;
  }

  /** Reads {@code w} in chunks, encodes them little-endian in its element type; returns the bytes written. */
  private static long stream(OnnxGraph.Weight w, ChunkSink sink) throws IOException {
    Tensor t = w.source();
    int size = elementBytes(w.elementType());
    long n = t.elementCount();
    float[] floats = new float[(int) Math.min(CHUNK, n)];
    ByteBuffer buf = ByteBuffer.allocate(floats.length * size).order(ByteOrder.LITTLE_ENDIAN);
    for (long done = 0; done < n; ) {
      int len = (int) Math.min(floats.length, n - done);
      t.readFloats(done, floats, 0, len);
      buf.clear();
      for (int i = 0; i < len; i++) {
        if (size == 2) {
          buf.putShort(Float.floatToFloat16(floats[i]));
        } else {
          buf.putFloat(floats[i]);
        }
      }
      buf.flip();
      sink.accept(buf);
      done += len;
    }
    return n * size;
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  static int elementBytes(int elementType) {
    return elementType == OnnxGraph.FLOAT16 ? 2 : 4;
  }

  private static String producerVersion() {
    String v = OnnxModelWriter.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
