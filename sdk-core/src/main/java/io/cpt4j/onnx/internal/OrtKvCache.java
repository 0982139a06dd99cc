package io.cpt4j.onnx.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.OnnxException;

/**
 * The {@code present.N.key|value} tensors of one ONNX Runtime call, kept in native memory (the
 * {@link OrtSession.Result} that owns them stays open until {@link #close()}).
 */
final class OrtKvCache implements KvCache {
  private final OrtSession.Result result;
  private final int layers;
  private final int rows;
  private final int length;
  private boolean closed;

  OrtKvCache(OrtSession.Result result, int layers, int rows, int length) {
    this.result = result;
    this.layers = layers;
    this.rows = rows;
    this.length = length;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int length() {
    return length;
  }

  int layers() {
    return layers;
  }

  OnnxTensor key(int layer) {
    return tensor(DecoderGraph.presentKey(layer));
  }

  OnnxTensor value(int layer) {
    return tensor(DecoderGraph.presentValue(layer));
  }

  private OnnxTensor tensor(String name) {
    if (closed) {
      throw new OnnxException("this key/value cache was closed");
    }
    return (OnnxTensor) result.get(name).orElseThrow(() -> new OnnxException("the model did not return " + name));
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      result.close();
    }
  }
}
