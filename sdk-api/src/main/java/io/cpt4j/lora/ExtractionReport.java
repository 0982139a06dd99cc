package io.cpt4j.lora;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link LoraExtraction} wrote. Immutable and thread-safe.
 *
 * @param output the adapter directory
 * @param modules every linear projection considered, in checkpoint order (rank 0: its delta is zero
 *     and it has no factors)
 * @param notCaptured the other tensors that differ between the checkpoints, which the adapter does
 *     not reproduce
 * @param elapsed wall time of the whole extraction
 */
public record ExtractionReport(Path output, List<Module> modules, List<NotCaptured> notCaptured,
    Duration elapsed) {

  /**
   * One projection's factors.
   *
   * @param name its module name, e.g. {@code model.layers.0.self_attn.q_proj}
   * @param rows output features (rows of the weight and of {@code lora_B})
   * @param columns input features (columns of the weight and of {@code lora_A})
   * @param rank the rank written (0 for a zero delta)
   * @param deltaNorm the Frobenius norm of W_model − W_base
   * @param retainedEnergy the fraction of the delta's squared norm that the rank-r factors keep (1
   *     for a zero delta); the approximation error is {@code deltaNorm · √(1 − retainedEnergy)}
   * @param svd time spent factoring it
   */
  public record Module(String name, long rows, long columns, int rank, double deltaNorm, double retainedEnergy,
      Duration svd) {
    public Module {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(svd, "svd");
    }

    /** ‖ΔW − s·B·A‖_F in float64 arithmetic, before the factors are rounded to their dtype. */
    public double error() {
      return deltaNorm * Math.sqrt(Math.max(0, 1 - retainedEnergy));
    }
  }

  /**
   * A tensor that differs but is not a low-rank projection.
   *
   * @param name the tensor name
   * @param kind what it is: embedding, LM head, norm, bias or other
   * @param deltaNorm the Frobenius norm of its difference
   * @param relativeDelta {@code deltaNorm} over the base tensor's norm
   */
  public record NotCaptured(String name, String kind, double deltaNorm, double relativeDelta) {
    public NotCaptured {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
    }
  }

  public ExtractionReport {
    Objects.requireNonNull(output, "output");
    modules = List.copyOf(modules);
    notCaptured = List.copyOf(notCaptured);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** The fraction of all projections' delta energy the adapter keeps (1 when nothing changed). */
  public double retainedEnergy() {
    double total = 0;
    double kept = 0;
    for (Module m : modules) {
      double e = m.deltaNorm() * m.deltaNorm();
      total += e;
      kept += e * m.retainedEnergy();
    }
    return total == 0 ? 1 : kept / total;
  }

  /** Time spent in the SVDs. */
  public Duration svdTime() {
    return modules.stream().map(Module::svd).reduce(Duration.ZERO, Duration::plus);
  }

  /** One warning per tensor that differs but is not in the adapter (see {@link #notCaptured}). */
  public List<String> warnings() {
    return notCaptured.stream().map(n -> String.format("WARNING: %s (%s) differs (‖Δ‖ %.4g, %.3g of its norm) and "
        + "is not in the adapter", n.name(), n.kind(), n.deltaNorm(), n.relativeDelta())).toList();
  }

  /** One line per projection (shape, rank, retained energy, ‖Δ‖, error, SVD time), then a summary line. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Module m : modules) {
      sb.append(String.format("%-48s %6d x %-6d rank %4d  energy %.6f  ‖Δ‖ %.4g  error %.4g  %d ms%n", m.name(),
          m.rows(), m.columns(), m.rank(), m.retainedEnergy(), m.deltaNorm(), m.error(), m.svd().toMillis()));
    }
    long written = modules.stream().filter(m -> m.rank() > 0).count();
    int lo = modules.stream().filter(m -> m.rank() > 0).mapToInt(Module::rank).min().orElse(0);
    int hi = modules.stream().mapToInt(Module::rank).max().orElse(0);
    sb.append(String.format("%d of %d projections as rank %s factors, retaining %.6f of the delta energy; "
        + "SVD %.2f s, total %.2f s -> %s", written, modules.size(), lo == hi ? String.valueOf(hi) : lo + "-" + hi,
        retainedEnergy(), svdTime().toMillis() / 1000.0, elapsed.toMillis() / 1000.0, output));
    return sb.toString();
  }
}
