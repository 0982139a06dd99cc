package io.cpt4j.cli;

import io.cpt4j.checkpoint.CheckpointWriter;
import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A self-overwriting progress line on stderr, drawn only when stderr is a terminal: the launcher
 * passes {@code -Dcpt4j.stderr.tty=true|false}; without it, {@code System.console()} decides
 * (non-null and {@link Console#isTerminal()}). Redraws at most every 100 ms.
 */
final class ProgressLine implements CheckpointWriter.Progress, AutoCloseable {
  private static final long INTERVAL_NANOS = 100_000_000L;

  private final String label;
  private final PrintStream err;
  private long lastDraw = Long.MIN_VALUE;
  private boolean drawn;

  private ProgressLine(String label, PrintStream err) {
    this.label = label;
    this.err = err;
  }

  /** A progress line on stderr, or a silent one when stderr is not a terminal. */
  static ProgressLine onStderrIfTerminal(String label) {
    return new ProgressLine(label, stderrIsTerminal() ? System.err : null);
  }

  static boolean stderrIsTerminal() {
    String hint = System.getProperty("cpt4j.stderr.tty");
    if (hint != null) {
      return Boolean.parseBoolean(hint);
    }
    Console c = System.console();
    return c != null && c.isTerminal();
  }

  @Override
  public void update(long written, long total) {
    if (err == null) {
      return;
    }
    long now = System.nanoTime();
    if (drawn && written < total && now - lastDraw < INTERVAL_NANOS) {
      return;
    }
    lastDraw = now;
    drawn = true;
    double pct = total == 0 ? 100 : 100.0 * written / total;
    err.printf(Locale.ROOT, "\r%s %5.1f%%  %s / %s   ", label, pct, io.cpt4j.checkpoint.ByteSizes.decimal(written), io.cpt4j.checkpoint.ByteSizes.decimal(total));
    err.flush();
  }

  /** Ends the line (once something was drawn). */
  void finish() {
    if (err != null && drawn) {
      err.println();
      err.flush();
      drawn = false;
    }
  }

  @Override
  public void close() {
    finish();
  }
}
