package io.cpt4j.cli;

import io.cpt4j.checkpoint.CheckpointWriter;
import java.io.Console;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Bytes written as a progress bar on stderr ({@code merging 42% [=====     ] 120/285 MB (0:00:03 /
 * 0:00:04) 40 MB/s}), drawn only when stderr is a terminal, by the same library and style as the
 * training bar ({@link ConsoleProgress}). Terminal: the launcher passes {@code
 * -Dcpt4j.stderr.tty=true|false}; without it, {@code System.console()} decides (non-null and {@link
 * Console#isTerminal()}). The bar starts at the first update and is redrawn at most every 100 ms.
 * Not thread-safe beyond what the library does (its own redraw thread).
 */
final class ProgressLine implements CheckpointWriter.Progress, AutoCloseable {
  private static final int REFRESH_MILLIS = 100;

  private final String label;
  private final PrintStream err;
  private ProgressBar bar;

  private ProgressLine(String label, PrintStream err) {
    this.label = label;
    this.err = err;
  }

  /** A progress bar on stderr, or a silent one when stderr is not a terminal. */
  static ProgressLine onStderrIfTerminal(String label) {
    return new ProgressLine(label, stderrIsTerminal() ? System.err : null);
  }

  /** Whether stderr is a terminal (the launcher's hint, else the JVM's console). */
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
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(Math.max(1, total))
          .setStyle(ProgressBarStyle.UNICODE_BLOCK).setUnit(" MB", 1_000_000).showSpeed()
          .setUpdateIntervalMillis(REFRESH_MILLIS).setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }
    if (total > 0 && bar.getMax() != total) {
      bar.maxHint(total);
    }
    bar.stepTo(written);
  }

  /** Draws the final state and ends the line (once something was drawn). */
  void finish() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  @Override
  public void close() {
    finish();
  }
}
