package io.cpt4j.lora.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorNames;
import io.cpt4j.checkpoint.internal.CheckpointWriting;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.lora.ExtractionReport;
import io.cpt4j.lora.LoraException;
import io.cpt4j.lora.LoraExtraction;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.internal.engine.Mismatches;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * LoRA extraction (see {@link LoraExtraction}): checks that the checkpoints agree, factors each
 * projection's delta with {@link RandomizedSvd} one tensor at a time, measures the other tensors'
 * differences, and writes the adapter directory under a temporary name. Stateless.
 */
final class LoraExtractor {
  private LoraExtractor() {}

  /** Elements read at a time when comparing tensors that are not factored. */
  private static final int CHUNK = 1 << 20;

  static ExtractionReport extract(LoraExtraction x, Path output) {
    long start = System.nanoTime();
    try (Checkpoint base = Checkpoint.open(x.base()); Checkpoint model = Checkpoint.open(x.model())) {
      try {
        Mismatches.agree("extract a LoRA adapter", base, model);
      } catch (MergeException e) {
        throw new LoraException(e.getMessage());
      }
      CheckpointWriting.checkTarget(output.toAbsolutePath(), x.overwrite());
      Set<String> projections = projections(base.config());
      List<ExtractionReport.Module> modules = new ArrayList<>();
      List<ExtractionReport.NotCaptured> notCaptured = new ArrayList<>();
      List<Tensor> factors = new ArrayList<>();
      Map<String, Integer> ranks = new LinkedHashMap<>();
      for (TensorInfo info : base.tensors()) {
        Tensor b = base.tensor(info.name());
        Tensor m = model.tensor(info.name());
        if (projections.contains(info.name())) {
          String module = info.name().substring(0, info.name().length() - ".weight".length());
          ExtractionReport.Module done = factor(x, module, b, m, factors);
          modules.add(done);
          ranks.put(module, done.rank());
        } else if (info.dtype().isFloatingPoint() && !ModelConfig.isKnownBuffer(info.name())) {
          double[] norms = deltaNorms(b, m);
          if (norms[0] > 0) {
            double delta = Math.sqrt(norms[0]);
            notCaptured.add(new ExtractionReport.NotCaptured(info.name(), kind(base.config().names(), info),
                delta, norms[1] == 0 ? Double.POSITIVE_INFINITY : delta / Math.sqrt(norms[1])));
          }
        }
      }
      if (factors.isEmpty()) {
        throw new LoraException(x.model() + ": its " + modules.size() + " projections equal the base's, so there is "
            + "nothing to extract" + (notCaptured.isEmpty() ? "" : " (" + notCaptured.size() + " other tensors differ)"));
      }
      DType dtype = x.dtype() != null ? x.dtype() : firstFloat(model);
      String baseName = x.baseModelName() != null ? x.baseModelName() : x.base().toString();
      write(output, PeftAdapterFiles.config(baseName, x.rank(), x.alpha(), ranks), factors, dtype);
      return new ExtractionReport(output, modules, notCaptured, Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException e) {
      throw new CheckpointException(output, "cannot write the adapter: " + e.getMessage(), e);
    }
  }

  /** The weight names of every layer's attention and MLP projections. */
  static Set<String> projections(ModelConfig config) {
    TensorNames n = config.names();
    Set<String> out = new LinkedHashSet<>();
    for (int l = 0; l < config.numLayers(); l++) {
      String prefix = n.layer(l);
      Stream.of(n.query(), n.key(), n.value(), n.fusedQkv(), n.attentionOut(), n.gate(), n.up(), n.down())
          .filter(java.util.Objects::nonNull).forEach(p -> out.add(prefix + TensorNames.weight(p)));
    }
    return out;
  }

  /** Factors one projection's delta, adding lora_A and lora_B to {@code factors} unless it is zero. */
  private static ExtractionReport.Module factor(LoraExtraction x, String module, Tensor base, Tensor model,
      List<Tensor> factors) {
    long[] dims = base.info().dims();
    if (dims[0] * dims[1] > Integer.MAX_VALUE - 8) {
      throw new LoraException(module + " has " + dims[0] * dims[1] + " elements, too many to factor in one array");
    }
    int m = (int) dims[0];
    int n = (int) dims[1];
    float[] d = base.toFloatArray();
    float[] chunk = new float[Math.min(d.length, CHUNK)];
    double total = 0;
    for (int from = 0; from < d.length; from += chunk.length) {
      int len = Math.min(chunk.length, d.length - from);
      model.readFloats(from, chunk, 0, len);
      for (int i = 0; i < len; i++) {
        float v = chunk[i] - d[from + i];
        d[from + i] = v;
        total += (double) v * v;
      }
    }
    if (total == 0) {
      return new ExtractionReport.Module(module, m, n, 0, 0, 1, Duration.ZERO);
    }
    long t0 = System.nanoTime();
    int ceiling = Math.min(x.rankCeiling(), Math.min(m, n));
    RandomizedSvd.Triplets svd = RandomizedSvd.leading(d, m, n, ceiling, x.oversampling(), x.powerIterations(),
        x.seed() * 0x9E3779B97F4A7C15L + module.hashCode());
    int k = ceiling;
    double kept = 0;
    for (int c = 0; c < ceiling; c++) {
      kept += svd.sigma()[c] * svd.sigma()[c];
      if (x.energy() > 0 && kept >= x.energy() * total) {
        k = c + 1;
        break;
      }
    }
    double scaling = x.alpha() == 0 ? 1 : (double) x.alpha() / k;
    float[] a = new float[k * n];
    float[] b = new float[m * k];
    for (int c = 0; c < k; c++) {
      double f = Math.sqrt(svd.sigma()[c] / scaling);
      double[] u = svd.u()[c];
      double[] v = svd.v()[c];
      for (int i = 0; i < m; i++) {
        b[i * k + c] = (float) (u[i] * f);
      }
      for (int j = 0; j < n; j++) {
        a[c * n + j] = (float) (v[j] * f);
      }
    }
    factors.add(Tensor.ofFloats(PeftAdapterFiles.aName(module), new long[] {k, n}, a));
    factors.add(Tensor.ofFloats(PeftAdapterFiles.bName(module), new long[] {m, k}, b));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    return new ExtractionReport.Module(module, m, n, k, Math.sqrt(total), Math.min(1, kept / total), took);
  }

  /** {‖b − a‖², ‖a‖²}, streamed in chunks. */
  static double[] deltaNorms(Tensor a, Tensor b) {
    long count = a.elementCount();
    float[] x = new float[(int) Math.min(count, CHUNK)];
    float[] y = new float[x.length];
    double delta = 0;
    double norm = 0;
    for (long from = 0; from < count; from += x.length) {
      int len = (int) Math.min(x.length, count - from);
      a.readFloats(from, x, 0, len);
      b.readFloats(from, y, 0, len);
      for (int i = 0; i < len; i++) {
        double v = (double) y[i] - x[i];
        delta += v * v;
        norm += (double) x[i] * x[i];
      }
    }
    return new double[] {delta, norm};
  }

  private static String kind(TensorNames n, TensorInfo t) {
    if (t.name().equals(TensorNames.weight(n.embedding()))) {
      return "embedding";
    }
    if (t.name().equals(TensorNames.weight(n.head()))) {
      return "LM head";
    }
    if (t.name().endsWith(".bias")) {
      return "bias";
    }
    return t.name().contains("norm") ? "norm" : "other";
  }

  private static DType firstFloat(Checkpoint c) {
    return c.tensors().stream().map(TensorInfo::dtype).filter(DType::isFloatingPoint).findFirst().orElse(DType.F32);
  }

  /** Writes the adapter into a hidden staging directory and renames it into place. */
  private static void write(Path output, byte[] config, List<Tensor> factors, DType dtype) throws IOException {
    Path target = output.toAbsolutePath();
    Path staging = AtomicFiles.temporarySibling(target, "partial");
    try {
      Files.createDirectories(staging);
      Safetensors.write(staging.resolve(PeftAdapterFiles.WEIGHTS), factors, dtype, Map.of("format", "pt"));
      AtomicFiles.write(staging.resolve(PeftAdapterFiles.CONFIG), config);
      AtomicFiles.fsyncDirectory(staging);
      AtomicFiles.replaceDirectory(target, staging);
    } finally {
      AtomicFiles.deleteTree(staging);
    }
  }
}
