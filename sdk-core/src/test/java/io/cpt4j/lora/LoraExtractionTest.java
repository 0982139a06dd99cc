package io.cpt4j.lora;

import static io.cpt4j.lora.LoraFixtures.bestError;
import static io.cpt4j.lora.LoraFixtures.exactSingularValues;
import static io.cpt4j.lora.LoraFixtures.lowRankPlusNoise;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.merge.MergeFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA extraction end to end on a small Llama whose projections differ from the base by a rank-6
 * change plus noise: the adapter's error is the best rank-r error (Eckart–Young, float64 SVD) within
 * 1e-4 relative; at full rank, applying the adapter gives back the model; an energy target gives each
 * tensor the smallest rank that reaches it; bad inputs fail before anything is written.
 */
class LoraExtractionTest {
  static final ModelConfig CONFIG = ModelConfig.builder(Architecture.LLAMA).vocabSize(48).hiddenSize(64)
      .intermediateSize(96).numLayers(2).numHeads(4).numKvHeads(2).maxPositionEmbeddings(64).build();

  @TempDir Path tmp;

  /** The base (random) and the model: each projection plus a rank-6 change with noise at {@code noise}. */
  private Path[] pair(double noise) {
    Path base = tmp.resolve("base");
    Path model = tmp.resolve("model");
    try (Checkpoint b = MergeFixtures.random(base, CONFIG, 1)) {
      List<Tensor> tensors = new ArrayList<>();
      int seed = 0;
      for (TensorInfo t : b.tensors()) {
        float[] w = b.tensor(t.name()).toFloatArray();
        if (t.name().endsWith("_proj.weight")) {
          long[] dims = t.dims();
          float[] d = lowRankPlusNoise((int) dims[0], (int) dims[1], 6, noise, ++seed);
          for (int i = 0; i < w.length; i++) {
            w[i] += 0.1f * d[i];
          }
        }
        tensors.add(Tensor.ofFloats(t.name(), t.dims(), w));
      }
      CheckpointWriter.to(model).config(CONFIG).write(tensors);
    }
    return new Path[] {base, model};
  }

  /** {module: [Δ as float32 holds it, m, n]} paired with the adapter's s·B·A. */
  private static double[] deltaMinusAdapter(Checkpoint base, Checkpoint model, TensorStore adapter, LoraAdapter a,
      String module, float[] deltaOut) {
    String w = module + ".weight";
    float[] b = base.tensor(w).toFloatArray();
    float[] m = model.tensor(w).toFloatArray();
    long[] dims = base.tensor(w).info().dims();
    int rows = (int) dims[0];
    int cols = (int) dims[1];
    float[] la = adapter.tensor("base_model.model." + module + ".lora_A.weight").toFloatArray();
    float[] lb = adapter.tensor("base_model.model." + module + ".lora_B.weight").toFloatArray();
    int r = la.length / cols;
    double s = a.scaling(module);
    double[] residual = new double[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double ba = 0;
        for (int c = 0; c < r; c++) {
          ba += (double) lb[i * r + c] * la[c * cols + j];
        }
        deltaOut[i * cols + j] = m[i * cols + j] - b[i * cols + j];
        residual[i * cols + j] = deltaOut[i * cols + j] - s * ba;
      }
    }
    return residual;
  }

  private static double norm(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  @Test
  void theAdaptersErrorIsTheBestRankRError() {
    Path[] p = pair(1e-2);
    for (int rank : new int[] {3, 6}) {
      Path out = tmp.resolve("adapter-" + rank);
      ExtractionReport r = LoraExtraction.between(p[0], p[1]).rank(rank).writeTo(out);
      LoraAdapter adapter = LoraAdapter.read(out);
      double worst = 0;
      try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1]);
          TensorStore factors = Safetensors.open(out.resolve("adapter_model.safetensors"))) {
        for (ExtractionReport.Module m : r.modules()) {
          float[] delta = new float[(int) (m.rows() * m.columns())];
          double error = norm(deltaMinusAdapter(base, model, factors, adapter, m.name(), delta));
          double best = bestError(exactSingularValues(delta, (int) m.rows(), (int) m.columns()), rank);
          worst = Math.max(worst, Math.abs(error - best) / best);
          assertThat(error).as("%s rank %d", m.name(), rank).isCloseTo(best, org.assertj.core.data.Offset
              .offset(1e-4 * best));
          assertThat(m.error()).as("reported error of %s", m.name()).isCloseTo(error,
              org.assertj.core.data.Offset.offset(1e-4 * best));
        }
      }
      System.out.printf("rank %d: %d modules, retained energy %.6f, worst |error - Eckart-Young| / Eckart-Young "
          + "%.3g%n", rank, r.modules().size(), r.retainedEnergy(), worst);
      assertThat(adapter.modules()).hasSize(14);
      assertThat(r.notCaptured()).isEmpty();
    }
  }

  @Test
  void atFullRankApplyingTheAdapterGivesBackTheModelInATemporaryCheckpoint() throws IOException {
    Path[] p = pair(0.1);
    Path adapter = tmp.resolve("adapter");
    ExtractionReport r = LoraExtraction.between(p[0], p[1]).rank(96).writeTo(adapter);
    assertThat(r.retainedEnergy()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
    Path mergedDir = LoraApplication.of(p[0], adapter).writeToTemporaryDirectory();
    double worst = 0;
    try (Checkpoint model = Checkpoint.open(p[1]); Checkpoint merged = Checkpoint.open(mergedDir)) {
      for (TensorInfo t : model.tensors()) {
        float[] want = model.tensor(t.name()).toFloatArray();
        float[] got = merged.tensor(t.name()).toFloatArray();
        for (int i = 0; i < want.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-3 + Math.abs(want[i])));
        }
      }
      assertThat(merged.config()).isEqualTo(model.config());
    } finally {
      io.cpt4j.files.AtomicFiles.deleteTree(mergedDir);
    }
    System.out.printf("full rank round trip: worst |apply(extract(M)) - M| / (1e-3 + |M|) = %.3g%n", worst);
    assertThat(worst).isLessThan(1e-5);
  }

  @Test
  void anEnergyTargetGivesEachTensorTheSmallestRankThatReachesIt() {
    Path[] p = pair(1e-2);
    ExtractionReport r = LoraExtraction.between(p[0], p[1]).rank(4).energy(0.9).maxRank(8).writeTo(tmp.resolve("a"));
    LoraAdapter adapter = LoraAdapter.read(tmp.resolve("a"));
    try (Checkpoint base = Checkpoint.open(p[0]); Checkpoint model = Checkpoint.open(p[1])) {
      for (ExtractionReport.Module m : r.modules()) {
        String w = m.name() + ".weight";
        float[] b = base.tensor(w).toFloatArray();
        float[] d = model.tensor(w).toFloatArray();
        for (int i = 0; i < d.length; i++) {
          d[i] -= b[i];
        }
        double[] s = exactSingularValues(d, (int) m.rows(), (int) m.columns());
        double total = 0;
        for (double v : s) {
          total += v * v;
        }
        double before = 0;
        for (int c = 0; c < m.rank() - 1; c++) {
          before += s[c] * s[c];
        }
        assertThat(m.retainedEnergy()).as(m.name()).isGreaterThanOrEqualTo(0.9);
        assertThat(before / total).as(m.name() + " one rank less").isLessThan(0.9);
        assertThat(adapter.rankOf(m.name())).isEqualTo(m.rank());
        assertThat(adapter.scaling(m.name())).isEqualTo(1.0);
      }
    }
    assertThat(r.modules()).extracting(ExtractionReport.Module::rank).allMatch(k -> k >= 1 && k <= 8);
  }

  @Test
  void badInputsFailBeforeAnythingIsWritten() throws IOException {
    Path[] p = pair(1e-2);
    Path out = tmp.resolve("out");
    assertThatThrownBy(() -> LoraExtraction.between(p[0], p[1]).writeTo(out)).isInstanceOf(LoraException.class)
        .hasMessageContaining("set rank(r)");
    assertThatThrownBy(() -> LoraExtraction.between(p[0], p[1]).rank(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rank must be at least 1, got 0");
    assertThatThrownBy(() -> LoraExtraction.between(p[0], p[1]).rank(4).maxRank(8).writeTo(out))
        .isInstanceOf(LoraException.class).hasMessageContaining("set energy(F) too");

    Path wider = tmp.resolve("wider");
    MergeFixtures.random(wider, CONFIG.newBuilder().intermediateSize(128).build(), 2).close();
    assertThatThrownBy(() -> LoraExtraction.between(p[0], wider).rank(4).writeTo(out))
        .isInstanceOf(LoraException.class).hasMessageContaining("cannot extract a LoRA adapter")
        .hasMessageContaining("model.layers.0.mlp.gate_proj.weight has shape [128, 64] in " + wider);
    assertThatThrownBy(() -> LoraExtraction.between(p[0], p[0]).rank(4).writeTo(out))
        .isInstanceOf(LoraException.class).hasMessageContaining("equal the base's, so there is nothing to extract");

    Path empty = Files.createDirectories(tmp.resolve("empty-adapter"));
    assertThatThrownBy(() -> LoraApplication.of(p[0], empty).writeTo(out)).isInstanceOf(LoraException.class)
        .hasMessage(empty + " has no adapter_config.json: a PEFT adapter directory holds adapter_config.json and "
            + "adapter_model.safetensors");
    Path adapter = tmp.resolve("adapter");
    LoraExtraction.between(p[0], p[1]).rank(2).writeTo(adapter);
    Files.delete(adapter.resolve("adapter_model.safetensors"));
    assertThatThrownBy(() -> LoraApplication.of(p[0], adapter).writeTo(out)).isInstanceOf(LoraException.class)
        .hasMessageContaining("has no adapter_model.safetensors");
    assertThatThrownBy(() -> LoraApplication.of(wider, tmp.resolve("missing")).writeTo(out))
        .isInstanceOf(LoraException.class).hasMessageContaining("no such adapter directory");
    assertThat(out).doesNotExist();

    Files.createDirectories(out).resolve("keep.txt").toFile().createNewFile();
    assertThatThrownBy(() -> LoraExtraction.between(p[0], p[1]).rank(2).writeTo(out))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("not empty");
    assertThat(out.resolve("keep.txt")).exists();
  }

  @Test
  void anAdapterForAnotherShapeIsRefusedNamingTheModule() {
    Path[] p = pair(1e-2);
    Path adapter = tmp.resolve("adapter");
    LoraExtraction.between(p[0], p[1]).rank(2).writeTo(adapter);
    Path wider = tmp.resolve("wider");
    MergeFixtures.random(wider, CONFIG.newBuilder().intermediateSize(128).build(), 2).close();
    assertThatThrownBy(() -> LoraApplication.of(wider, adapter).writeTo(tmp.resolve("out")))
        .isInstanceOf(LoraException.class).hasMessageContaining("module model.layers.0.mlp.gate_proj has lora_A [2, 64] and lora_B [96, 2], but rank 2 "
            + "on the base weight [128, 64] needs [2, 64] and [128, 2]");
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
