package io.cpt4j.onnx.internal;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.cpt4j.checkpoint.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small builder over the ONNX protobuf classes ({@code ai.onnx.proto.OnnxMl}): nodes with fresh
 * output names, small constants as inline initializers, graph inputs and outputs with symbolic
 * dimensions, and checkpoint tensors as weights whose data {@link OnnxModelWriter} streams later.
 * Not thread-safe; one graph per builder.
 */
final class OnnxGraph {
  /** ONNX element types used here (TensorProto.DataType numbers). */
  static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
  static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;
  static final int INT64 = TensorProto.DataType.INT64_VALUE;
  static final int BOOL = TensorProto.DataType.BOOL_VALUE;

  /** A checkpoint tensor stored as an initializer of element type {@code elementType}. */
  record Weight(String name, Tensor source, int elementType) {}

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, Weight> weights = new LinkedHashMap<>();
  private final Map<String, String> constants = new LinkedHashMap<>();
  private int counter;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  // ------------------------------------------------------------------ nodes

  /** Adds a node with one output named after {@code hint}; returns the output name. */
  String node(String op, String hint, List<String> inputs, AttributeProto... attributes) {
    return nodeOutputs(op, hint, inputs, 1, attributes).get(0);
  }

  /** Adds a node with {@code outputs} outputs; returns their names. */
  List<String> nodeOutputs(String op, String hint, List<String> inputs, int outputs, AttributeProto... attributes) {
    String base = hint + "/" + op + "_" + counter++;
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(base).addAllInput(inputs);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      String out = base + "/output_" + i;
      n.addOutput(out);
      names.add(out);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return names;
  }

  /** Adds a node whose single output has a given (graph output) name. */
  void nodeNamed(String op, String output, List<String> inputs, AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output + "/" + op).addAllInput(inputs)
        .addOutput(output);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
  }

  static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  static AttributeProto attrs(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  // ------------------------------------------------------------------ constants and weights

  /** A 1-D int64 constant (shared between uses). */
  String ints(long... values) {
    return constant(INT64, new long[] {values.length}, bytes(values), "ints");
  }

  /** A 0-D int64 constant. */
  String scalarInt(long value) {
    return constant(INT64, new long[0], bytes(new long[] {value}), "int");
  }

  /** A 0-D float constant of {@code elementType} (FLOAT or FLOAT16). */
  String scalar(float value, int elementType) {
    return floats(elementType, new long[0], new float[] {value});
  }

  /** A float constant of {@code elementType} with the given shape. */
  String floats(int elementType, long[] dims, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * (elementType == FLOAT16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      if (elementType == FLOAT16) {
        b.putShort(Float.floatToFloat16(v));
      } else {
        b.putFloat(v);
      }
    }
    return constant(elementType, dims, b.array(), elementType == FLOAT16 ? "f16" : "f32");
  }

  private String constant(int type, long[] dims, byte[] data, String kind) {
    String key = type + ":" + java.util.Arrays.toString(dims) + ":" + java.util.HexFormat.of().formatHex(data);
    return constants.computeIfAbsent(key, k -> {
      String name = "const_" + kind + "_" + constants.size();
      TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(data));
      for (long d : dims) {
        t.addDims(d);
      }
      graph.addInitializer(t);
      return name;
    });
  }

  private static byte[] bytes(long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  /** A checkpoint tensor as an initializer under its own (Hugging Face) name; returns the name. */
  String weight(Tensor t, int elementType) {
    weights.computeIfAbsent(t.name(), n -> new Weight(n, t, elementType));
    return t.name();
  }

  List<Weight> weights() {
    return List.copyOf(weights.values());
  }

  // ------------------------------------------------------------------ inputs and outputs

  /** A graph input; a dimension is a fixed size (Long) or a symbolic name (String). */
  void input(String name, int elementType, Object... dims) {
    graph.addInput(valueInfo(name, elementType, dims));
  }

  /** A graph output. */
  void output(String name, int elementType, Object... dims) {
    graph.addOutput(valueInfo(name, elementType, dims));
  }

  private static ValueInfoProto valueInfo(String name, int elementType, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String s) {
        dim.setDimParam(s);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    TypeProto type = TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape)).build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  /** The graph without the weight initializers (the writer adds them). */
  GraphProto.Builder proto() {
    return graph;
  }
}
