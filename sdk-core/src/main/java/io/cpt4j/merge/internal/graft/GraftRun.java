package io.cpt4j.merge.internal.graft;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Graft;
import io.cpt4j.merge.GraftReport;
import io.cpt4j.merge.internal.engine.DerivedCheckpoint;
import io.cpt4j.merge.internal.engine.DerivedOutput;
import io.cpt4j.merge.internal.engine.DerivedReport;
import io.cpt4j.merge.internal.engine.Mismatches;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Runs a {@link Graft}: checks the checkpoints agree, plans the mask (thresholds and per-tensor
 * counts, reading the inputs chunk by chunk), then writes {@code mask ? tuned : base} on the
 * derived-checkpoint engine, one {@link GraftDerivation} per tensor with grafted entries (atomic).
 * Stateless.
 */
public final class GraftRun {
  /** Elements per chunk of the planning passes. */
  static final int CHUNK = 1 << 20;

  private GraftRun() {}

  /** The plan of one considered tensor. */
  private record Planned(TensorInfo info, long grafted, double threshold, GraftDerivation derivation) {}

  public static GraftReport run(Graft graft, Path output) {
    DerivedCheckpoint out = DerivedCheckpoint.start();
    Checkpoint base = graft.base();
    Checkpoint tuned = graft.tuned();
    Mismatches.agree("graft " + tuned.directory() + " onto " + base.directory(), base, tuned);
    List<TensorInfo> considered = base.tensors().stream()
        .filter(t -> t.dtype().isFloatingPoint() && graft.considers(t.name())).toList();
    GraftMaskFile maskFile = graft.mask() instanceof Graft.MaskFile(Path file) ? GraftMaskFile.open(file, base) : null;
    try {
      List<Planned> plan = switch (graft.mask()) {
        case Graft.TopPerTensor(double f) -> perTensor(base, tuned, considered, f);
        case Graft.TopGlobal(double f) -> global(base, tuned, considered, f);
        case Graft.MaskFile m -> fromMask(base, tuned, considered, maskFile);
      };
      Map<String, Planned> byName = new java.util.HashMap<>();
      plan.forEach(p -> byName.put(p.info().name(), p));
      for (TensorInfo t : base.tensors()) {
        Planned p = byName.get(t.name());
        if (p == null || p.grafted() == 0) {
          out.copy(base.tensor(t.name()));
        } else {
          out.derive(p.info(), p.derivation(), null, 0); // a GraftReport has no input bytes
        }
      }
      DerivedReport written = out.write(DerivedOutput.of(output, "graft into " + output, graft.dtype(),
          graft.maxShardSize(), graft.overwrite(), base,
          Map.of("merge_method", "graft", "graft_mask", describe(graft.mask()))));
      graft.maskOutput().ifPresent(file -> writeMask(file, graft, plan));
      long parameters = 0;
      long grafted = 0;
      List<GraftReport.TensorGraft> tensors = new ArrayList<>();
      for (Planned p : plan) {
        parameters += p.info().elementCount();
        grafted += p.grafted();
        tensors.add(new GraftReport.TensorGraft(p.info().name(), p.info().elementCount(), p.grafted(), p.threshold()));
      }
      return new GraftReport(output, written.files(), parameters, grafted, tensors, out.elapsed());
    } finally {
      if (maskFile != null) {
        maskFile.close();
      }
    }
  }

  /** Writes the planned mask of every considered tensor as U8 (zeros where nothing is grafted). */
  private static void writeMask(Path file, Graft graft, List<Planned> plan) {
    List<Tensor> tensors = new ArrayList<>();
    for (Planned p : plan) {
      TensorInfo info = p.info().withDtype(io.cpt4j.checkpoint.DType.U8);
      tensors.add(new LazyBytes(info, () -> p.derivation() != null ? p.derivation().maskBytes()
          : new byte[Math.toIntExact(info.elementCount())]));
    }
    Map<String, String> metadata = new java.util.LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("graft_mask", describe(graft.mask()));
    metadata.put("base", graft.base().directory().toString());
    metadata.put("tuned", graft.tuned().directory().toString());
    Safetensors.write(file, tensors, null, metadata);
  }

  /** A byte tensor computed when the writer asks for it (one tensor's bytes held at a time). */
  private record LazyBytes(TensorInfo info, java.util.function.Supplier<byte[]> data) implements Tensor {
    @Override
    public java.lang.foreign.MemorySegment bytes() {
      return java.lang.foreign.MemorySegment.ofArray(data.get()).asReadOnly();
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      throw new UnsupportedOperationException("mask tensor " + info.name() + " is " + info.dtype());
    }
  }

  private static String describe(Graft.Mask mask) {
    return switch (mask) {
      case Graft.TopPerTensor(double f) -> "top " + f + " per tensor";
      case Graft.TopGlobal(double f) -> "top " + f + " global";
      case Graft.MaskFile(Path file) -> "file " + file;
    };
  }

  private static List<Planned> perTensor(Checkpoint base, Checkpoint tuned, List<TensorInfo> considered, double f) {
    Planned[] plan = new Planned[considered.size()];
    IntStream.range(0, plan.length).parallel().forEach(i -> {
      TensorInfo info = considered.get(i);
      Tensor b = base.tensor(info.name());
      Tensor t = tuned.tensor(info.name());
      long n = info.elementCount();
      long k = MagnitudeSelect.topCount(f, n);
      if (k == 0) {
        plan[i] = new Planned(info, 0, Double.NaN, null);
        return;
      }
      MagnitudeSelect.Threshold th = MagnitudeSelect.kthLargest(deltas(List.of(b), List.of(t)), n, k);
      plan[i] = new Planned(info, k, th.magnitude(), GraftDerivation.top(info, b, t, th.magnitude(), th.equalToKeep(k)));
    });
    return List.of(plan);
  }

  private static List<Planned> global(Checkpoint base, Checkpoint tuned, List<TensorInfo> considered, double f) {
    List<Tensor> bs = considered.stream().map(t -> base.tensor(t.name())).toList();
    List<Tensor> ts = considered.stream().map(t -> tuned.tensor(t.name())).toList();
    long total = considered.stream().mapToLong(TensorInfo::elementCount).sum();
    long k = MagnitudeSelect.topCount(f, total);
    List<Planned> plan = new ArrayList<>();
    if (k == 0) {
      considered.forEach(info -> plan.add(new Planned(info, 0, Double.NaN, null)));
      return plan;
    }
    MagnitudeSelect.Threshold th = MagnitudeSelect.kthLargest(deltas(bs, ts), total, k);
    int thBits = MagnitudeSelect.magnitudeBits(th.magnitude());
    // per tensor: entries above the threshold and equal to it, so that ties go to the earliest tensors
    long[][] counts = new long[considered.size()][];
    IntStream.range(0, counts.length).parallel().forEach(i -> counts[i] = countAround(bs.get(i), ts.get(i), thBits));
    long equalsLeft = th.equalToKeep(k);
    for (int i = 0; i < counts.length; i++) {
      long keepEqual = Math.min(equalsLeft, counts[i][1]);
      equalsLeft -= keepEqual;
      long grafted = counts[i][0] + keepEqual;
      TensorInfo info = considered.get(i);
      plan.add(new Planned(info, grafted, th.magnitude(),
          GraftDerivation.top(info, bs.get(i), ts.get(i), th.magnitude(), keepEqual)));
    }
    return plan;
  }

  private static List<Planned> fromMask(Checkpoint base, Checkpoint tuned, List<TensorInfo> considered,
      GraftMaskFile mask) {
    Planned[] plan = new Planned[considered.size()];
    IntStream.range(0, plan.length).parallel().forEach(i -> {
      TensorInfo info = considered.get(i);
      Tensor m = mask.tensor(info.name());
      if (m == null) {
        plan[i] = new Planned(info, 0, Double.NaN, null);
        return;
      }
      long ones = mask.countOnes(m);
      plan[i] = new Planned(info, ones, Double.NaN,
          GraftDerivation.masked(info, base.tensor(info.name()), tuned.tensor(info.name()), m));
    });
    return List.of(plan);
  }

  /**
   * The float32 deltas {@code t − b} of the given tensor pairs as one stream (their concatenation in
   * order), readable by range from several threads.
   */
  static MagnitudeSelect.RangeSource deltas(List<Tensor> bases, List<Tensor> tuned) {
    long[] starts = new long[bases.size() + 1];
    for (int i = 0; i < bases.size(); i++) {
      starts[i + 1] = starts[i] + bases.get(i).elementCount();
    }
    return (from, length, dst, scratch) -> {
      float[] d = dst[0];
      int i = java.util.Arrays.binarySearch(starts, from);
      i = i < 0 ? -i - 2 : i;
      for (int pos = 0; pos < length; i++) {
        long at = from + pos;
        if (starts[i + 1] <= at) {
          continue; // an empty tensor, or one before the range
        }
        int n = (int) Math.min(length - pos, starts[i + 1] - at);
        tuned.get(i).readFloats(at - starts[i], d, pos, n);
        bases.get(i).readFloats(at - starts[i], scratch, pos, n);
        for (int j = pos; j < pos + n; j++) {
          d[j] -= scratch[j];
        }
        pos += n;
      }
    };
  }

  /** How many deltas {@code t − b} have magnitude bits above {@code thBits}, and how many equal. */
  private static long[] countAround(Tensor b, Tensor t, int thBits) {
    MagnitudeSelect.RangeSource source = deltas(List.of(b), List.of(t));
    long n = b.elementCount();
    int chunk = (int) Math.max(1, Math.min(CHUNK, n));
    float[][] v = new float[1][chunk];
    float[] scratch = new float[chunk];
    long[] c = new long[2];
    for (long e = 0; e < n; e += chunk) {
      int len = (int) Math.min(chunk, n - e);
      source.read(e, len, v, scratch);
      for (int j = 0; j < len; j++) {
        int bits = MagnitudeSelect.magnitudeBits(v[0][j]);
        if (bits > thBits) {
          c[0]++;
        } else if (bits == thBits) {
          c[1]++;
        }
      }
    }
    return c;
  }
}
