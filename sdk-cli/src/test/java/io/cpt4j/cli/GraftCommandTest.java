package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraftCommandTest {
  @TempDir Path tmp;
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Path base;
  Path tuned;

  @BeforeEach
  void checkpoints() throws Exception {
    base = TestCheckpoints.write(tmp.resolve("base"), config, TestCheckpoints.tensors(config, 1));
    tuned = TestCheckpoints.write(tmp.resolve("tuned"), config, TestCheckpoints.tensors(config, 2));
  }

  /** Entries of {@code out} equal to tuned and not to base; checks every entry is one of the two. */
  static long graftedEntries(Path out, Path base, Path tuned) {
    long n = 0;
    try (Checkpoint o = Checkpoint.open(out); Checkpoint b = Checkpoint.open(base); Checkpoint t = Checkpoint.open(tuned)) {
      for (TensorInfo info : b.tensors()) {
        float[] x = b.tensor(info.name()).toFloatArray();
        float[] y = t.tensor(info.name()).toFloatArray();
        float[] z = o.tensor(info.name()).toFloatArray();
        for (int i = 0; i < z.length; i++) {
          assertThat(z[i] == x[i] || z[i] == y[i]).as("%s[%d]", info.name(), i).isTrue();
          n += z[i] == y[i] && y[i] != x[i] ? 1 : 0;
        }
      }
    }
    return n;
  }

  @Test
  void topPercentPerTensorAndGlobal() {
    Path out = tmp.resolve("per-tensor");
    Cli.Result r = Cli.run("graft", base.toString(), tuned.toString(), out.toString(), "--top", "10%", "--per-tensor");
    assertThat(r.exitCode()).as(r.err()).isZero();
    long expected = config.expectedTensors().values().stream()
        .mapToLong(s -> (long) (0.1 * s.stream().mapToLong(Long::longValue).reduce(1, (p, q) -> p * q))).sum();
    assertThat(r.out()).startsWith("grafted " + Numbers.grouped(expected) + " of "
        + Numbers.grouped(config.parameterCount()) + " parameters").contains("top 10% per tensor", " -> " + out);
    assertThat(r.out().lines()).hasSize(1 + config.expectedTensors().size());
    assertThat(graftedEntries(out, base, tuned)).isEqualTo(expected);

    Path global = tmp.resolve("global");
    Path savedMask = tmp.resolve("global-mask.safetensors");
    Cli.Result g = Cli.run("graft", base.toString(), tuned.toString(), global.toString(), "--top", "0.02", "--global",
        "--save-mask", savedMask.toString());
    assertThat(g.exitCode()).as(g.err()).isZero();
    long k = (long) (0.02 * config.parameterCount());
    assertThat(g.out()).startsWith("grafted " + Numbers.grouped(k) + " of ").contains("top 2% of the model");
    assertThat(graftedEntries(global, base, tuned)).isEqualTo(k);
    Path again = tmp.resolve("again");
    Cli.Result m = Cli.run("graft", base.toString(), tuned.toString(), again.toString(), "--mask", savedMask.toString());
    assertThat(m.exitCode()).as(m.err()).isZero();
    assertThat(m.out()).startsWith("grafted " + Numbers.grouped(k) + " of ");
    assertThat(graftedEntries(again, base, tuned)).isEqualTo(k);
  }

  @Test
  void maskFile() throws Exception {
    String name = "model.layers.0.mlp.up_proj.weight";
    long[] dims = config.expectedTensors().get(name).stream().mapToLong(Long::longValue).toArray();
    int n = (int) (dims[0] * dims[1]);
    byte[] bits = new byte[n];
    for (int i = 0; i < n; i += 3) {
      bits[i] = 1;
    }
    Path mask = tmp.resolve("mask.safetensors");
    Safetensors.write(mask, List.of(new ByteTensor(TensorInfo.of(name, DType.U8, dims), bits)), null, Map.of());
    Path out = tmp.resolve("masked");
    Cli.Result r = Cli.run("graft", base.toString(), tuned.toString(), out.toString(), "--mask", mask.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    long ones = (n + 2) / 3;
    assertThat(r.out()).startsWith("grafted " + Numbers.grouped(ones) + " of ").contains("in 1 of ");
    assertThat(graftedEntries(out, base, tuned)).isEqualTo(ones);
  }

  @Test
  void badInputs() throws Exception {
    Path out = tmp.resolve("out");
    Cli.Result both = Cli.run("graft", base.toString(), tuned.toString(), out.toString(), "--top", "1%", "--mask", "m");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).startsWith("error: ").contains("mutually exclusive");

    Cli.Result tooMuch = Cli.run("graft", base.toString(), tuned.toString(), out.toString(), "--top", "150%");
    assertThat(tooMuch.exitCode()).isEqualTo(2);
    assertThat(tooMuch.err()).contains("outside [0, 1]");

    Path other = TestCheckpoints.write(tmp.resolve("wider"), config.newBuilder().intermediateSize(80).build(), false);
    Cli.Result mismatch = Cli.run("graft", base.toString(), other.toString(), out.toString(), "--top", "1%");
    assertThat(mismatch.exitCode()).isEqualTo(1);
    assertThat(mismatch.errLines()).hasSize(1);
    assertThat(mismatch.err()).startsWith("error: cannot graft").contains("has shape").doesNotContain("\tat ");
    assertThat(out).doesNotExist();
  }

  /** A U8 tensor over a byte array. */
  record ByteTensor(TensorInfo info, byte[] data) implements Tensor {
    @Override
    public MemorySegment bytes() {
      return MemorySegment.ofArray(data).asReadOnly();
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      throw new UnsupportedOperationException("U8");
    }
  }
}
