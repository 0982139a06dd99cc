package io.cpt4j.examples.bench;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * F32 tensors of a model whose values are computed on the fly from (tensor index, element index),
 * so benchmarks can write multi-GB checkpoints without holding them. Stateless; thread-safe.
 */
final class GeneratedTensors {
  private GeneratedTensors() {}

  /** The value of element {@code element} of the {@code tensor}-th expected tensor. */
  interface Values {
    float at(int tensor, long element);
  }

  /** Every tensor {@code config} expects, in its order, with values from {@code values}. */
  static List<Tensor> of(ModelConfig config, Values values) {
    List<Tensor> out = new ArrayList<>();
    int index = 0;
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      out.add(new Generated(new TensorInfo(e.getKey(), DType.F32, e.getValue()), index++, values));
    }
    return out;
  }

  private record Generated(TensorInfo info, int tensor, Values values) implements Tensor {
    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("generated");
    }

    @Override
    public void readFloats(long from, float[] dst, int off, int len) {
      for (int i = 0; i < len; i++) {
        dst[off + i] = values.at(tensor, from + i);
      }
    }
  }
}
