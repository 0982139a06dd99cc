package io.cpt4j.merge.internal.engine;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.merge.MergeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The derived-checkpoint engine on its own: derived and copied tensors in output order, chunked and
 * in-order derivations, tails, the report, and the one error mapping.
 */
class DerivedCheckpointTest {
  @TempDir Path dir;

  /** {@code factor · source}, range by range. */
  record Scaled(Tensor source, float factor) implements Derivation {
    @Override
    public long count() {
      return source.elementCount();
    }

    @Override
    public void compute(long from, int n, float[] out, int off, Scratch scratch) {
      float[] x = scratch.work(0);
      source.readFloats(from, x, 0, n);
      for (int i = 0; i < n; i++) {
        out[off + i] = factor * x[i];
      }
    }
  }

  @Test
  void derivedTensorsAreComputedAsWrittenAndTheOthersCopied() {
    try (Checkpoint in = random(dir.resolve("in"), TestCheckpoints.tinyLlama(), 1)) {
      DerivedCheckpoint out = DerivedCheckpoint.start(7); // chunks far smaller than the tensors
      int derived = 0;
      for (TensorInfo t : in.tensors()) {
        if (t.name().contains("mlp")) {
          out.derive(t, new Scaled(in.tensor(t.name()), 2), null, t.byteSize());
          derived++;
        } else {
          out.copy(in.tensor(t.name()));
        }
      }
      Path target = dir.resolve("out");
      DerivedReport report = out.write(DerivedOutput.of(target, "test into " + target, DType.F32, Long.MAX_VALUE,
          false, in, Map.of("merge_method", "test")));
      assertThat(report.derived()).isEqualTo(derived).isPositive();
      assertThat(report.copied()).isEqualTo(in.tensors().size() - derived);
      assertThat(report.directory()).isEqualTo(target);
      assertThat(report.toMergeReport().mergedTensors()).isEqualTo(derived);
      try (Checkpoint c = Checkpoint.open(target)) {
        assertThat(c.metadata()).containsEntry("merge_method", "test");
        assertThat(c.config()).isEqualTo(in.config());
        for (TensorInfo t : in.tensors()) {
          float[] want = in.tensor(t.name()).toFloatArray();
          float[] got = c.tensor(t.name()).toFloatArray();
          for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).isEqualTo(t.name().contains("mlp") ? 2 * want[i] : want[i]);
          }
        }
      }
    }
  }

  @Test
  void anInOrderDerivationSeesItsRangesInOrderAndATailSuppliesTheRest() {
    int n = 50;
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i;
    }
    Tensor source = Tensor.ofFloats("w", new long[] {n}, values);
    List<Long> starts = new ArrayList<>();
    Derivation inOrder = new Derivation() {
      @Override
      public long count() {
        return 30;
      }

      @Override
      public boolean parallel() {
        return false;
      }

      @Override
      public void compute(long from, int len, float[] out, int off, Scratch scratch) {
        starts.add(from);
        for (int i = 0; i < len; i++) {
          out[off + i] = -values[(int) from + i];
        }
      }
    };
    Tensor t = new DerivedTensor(source.info(), inOrder, source, new Scratch.Pool(4));
    float[] got = new float[n];
    t.readFloats(0, got, 0, n);
    assertThat(starts).containsExactly(0L, 4L, 8L, 12L, 16L, 20L, 24L, 28L);
    for (int i = 0; i < n; i++) {
      assertThat(got[i]).isEqualTo(i < 30 ? -i : i);
    }
    assertThatThrownBy(t::bytes).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("readFloats");
    assertThatThrownBy(() -> new DerivedTensor(source.info(), inOrder, null, new Scratch.Pool(4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing supplies the rest");
  }

  @Test
  void aFailingDerivationIsAMergeExceptionNamingTheActionAndNothingIsWritten() {
    try (Checkpoint in = random(dir.resolve("in"), TestCheckpoints.tinyLlama(), 1)) {
      DerivedCheckpoint out = DerivedCheckpoint.start();
      for (TensorInfo t : in.tensors()) {
        out.derive(t, new Derivation() {
          @Override
          public long count() {
            return t.elementCount();
          }

          @Override
          public void compute(long from, int n, float[] o, int off, Scratch scratch) {
            throw new IllegalStateException("ratio of " + t.name() + " is NaN");
          }
        }, null, 0);
      }
      Path target = dir.resolve("out");
      assertThatThrownBy(() -> out.write(DerivedOutput.of(target, "test into " + target, null, Long.MAX_VALUE, false,
          in, Map.of()))).isInstanceOf(MergeException.class)
          .hasMessageStartingWith("test into " + target + " failed: ratio of ").hasMessageEndingWith(" is NaN");
      assertThat(target).doesNotExist();
    }
  }
}
