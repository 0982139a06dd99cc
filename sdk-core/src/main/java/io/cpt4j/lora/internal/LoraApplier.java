package io.cpt4j.lora.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.lora.ApplicationReport;
import io.cpt4j.lora.LoraAdapter;
import io.cpt4j.lora.LoraApplication;
import io.cpt4j.lora.LoraException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA application (see {@link LoraApplication}): checks every module's factors against the base
 * weight before anything is written, then streams the base through the atomic {@link
 * CheckpointWriter} with the adapted weights computed as they are read. Stateless.
 */
final class LoraApplier {
  private LoraApplier() {}

  static ApplicationReport apply(LoraApplication app, Path output) {
    long start = System.nanoTime();
    LoraAdapter adapter = PeftAdapterFiles.read(app.adapter());
    try (Checkpoint base = Checkpoint.open(app.base());
        TensorStore weights = Safetensors.open(app.adapter().resolve(PeftAdapterFiles.WEIGHTS))) {
      Map<String, Adapted> adapted = new HashMap<>();
      for (String module : adapter.modules()) {
        String name = module + ".weight";
        if (!base.contains(name)) {
          throw new LoraException(app.adapter() + ": module " + module + " has no weight " + name + " in the base "
              + app.base());
        }
        Tensor w = base.tensor(name);
        Tensor a = weights.tensor(PeftAdapterFiles.aName(module));
        Tensor b = weights.tensor(PeftAdapterFiles.bName(module));
        List<Long> ws = w.shape();
        int r = adapter.rankOf(module);
        if (ws.size() != 2 || !a.shape().equals(List.of((long) r, ws.get(1)))
            || !b.shape().equals(List.of(ws.get(0), (long) r))) {
          throw new LoraException(app.adapter() + ": module " + module + " has lora_A " + a.shape() + " and lora_B "
              + b.shape() + ", but rank " + r + " on the base weight " + ws + " needs [" + r + ", " + ws.get(1)
              + "] and [" + ws.get(0) + ", " + r + "]");
        }
        adapted.put(name, new Adapted(w.info(), w, a.toFloatArray(), b.toFloatArray(), r,
            adapter.scaling(module)));
      }
      List<Tensor> out = new ArrayList<>();
      for (TensorInfo t : base.tensors()) {
        out.add(adapted.containsKey(t.name()) ? adapted.get(t.name()) : base.tensor(t.name()));
      }
      CheckpointWriter.to(output).copyFilesFrom(base).dtype(app.dtype()).overwrite(app.overwrite())
          .metadata(Map.of("cpt4j_lora", app.adapter().toAbsolutePath().toString())).write(out);
      return new ApplicationReport(output, adapter, out.size(), Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * A base weight W (rows × cols) with {@code s · B · A} added as it is read: the product for each
   * element accumulated in float64 over the rank, rounded to float32 and added to W in float32, as
   * PEFT's merge adds its float32 delta. Thread-safe (no state beyond the immutable factors).
   */
  record Adapted(TensorInfo info, Tensor base, float[] a, float[] b, int rank, double scaling) implements Tensor {
    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("tensor " + info.name() + " is computed: read it with readFloats");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      base.readFloats(fromElement, dst, offset, length);
      int cols = (int) (long) info.shape().get(1);
      double[] acc = new double[Math.min(length, cols)];
      long e = fromElement;
      long end = fromElement + length;
      while (e < end) {
        int row = (int) (e / cols);
        int col = (int) (e % cols);
        int len = (int) Math.min(cols - col, end - e);
        java.util.Arrays.fill(acc, 0, len, 0);
        for (int c = 0; c < rank; c++) {
          double bc = b[row * rank + c];
          int ar = c * cols + col;
          for (int j = 0; j < len; j++) {
            acc[j] += bc * a[ar + j];
          }
        }
        int at = offset + (int) (e - fromElement);
        for (int j = 0; j < len; j++) {
          dst[at + j] += (float) (scaling * acc[j]);
        }
        e += len;
      }
    }
  }
}
