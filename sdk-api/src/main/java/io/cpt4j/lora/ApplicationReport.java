package io.cpt4j.lora;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link LoraApplication} wrote. Immutable and thread-safe.
 *
 * @param output the merged checkpoint
 * @param adapter the adapter applied
 * @param tensors tensors written
 * @param elapsed wall time
 */
public record ApplicationReport(Path output, LoraAdapter adapter, int tensors, Duration elapsed) {
  public ApplicationReport {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** One line, e.g. {@code merged 14 LoRA modules (r 8) into 23 tensors in 0.4 s -> /out}. */
  public String describe() {
    return String.format("merged %d LoRA modules (r %d, alpha %s) into %d tensors in %.2f s -> %s",
        adapter.modules().size(), adapter.rank(), fmt(adapter.alpha()), tensors, elapsed.toMillis() / 1000.0, output);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
