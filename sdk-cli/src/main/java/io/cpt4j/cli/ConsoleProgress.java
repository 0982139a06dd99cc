package io.cpt4j.cli;

import io.cpt4j.train.MovingAverage;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A training run's progress on a console, drawn by the {@code me.tongfei:progressbar} library:
 * steps done of steps planned, percentage, elapsed time and the library's ETA, followed by the
 * training loss (an exponential moving average over about 10 steps, skipped and non-finite steps
 * left out), the learning rate and tokens per second (also averaged over about 10 steps), e.g.
 *
 * <pre>
 * step  40% [=======          ] 40/100 (0:01:05 / 0:01:37) loss 3.214, lr 3.00e-04, 12.3k tok/s
 * </pre>
 *
 * Evaluations and checkpoints are printed as lines of their own above the bar, evaluations with
 * each set's change from its step-0 loss: {@code step 40: general 3.412 (+0.021), code 2.871
 * (-0.530)} (no changes when this listener did not see step 0, as after a resume).
 *
 * <p>On a terminal the bar is redrawn in place twice a second (carriage return, Unicode blocks). Not
 * on a terminal (a log file, CI) nothing moves the cursor: the bar is printed as a plain ASCII line
 * at the start, every {@code logInterval} while steps advance, and at the end (never the same line
 * twice in a row).
 *
 * <p>The bar starts in {@link #onStart} (at the resumed step, so the ETA counts only this process's
 * steps), or at the first {@link #onStep} if {@code onStart} never came, and ends in {@link
 * #onFinish} or {@link #close}. The library redraws from a daemon thread; this class serialises
 * its own output with the bar's. Listener methods are called from one thread, as the trainer does.
 */
final class ConsoleProgress implements TrainingListener, AutoCloseable {
  /** How often the bar is printed when the output is not a terminal: 30 seconds. */
  public static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(30);

  private static final int TERMINAL_REFRESH_MILLIS = 500;
  private static final int LOG_LINE_WIDTH = 120;

  private final PrintStream out;
  private final boolean terminal;
  private final Duration logInterval;
  private final Object lock = new Object();
  private final MovingAverage loss = new MovingAverage(0.9);
  private final MovingAverage tokensPerSecond = new MovingAverage(0.9);
  private Map<String, Double> stepZero;
  private long skipped;
  private ProgressBar bar;
  private String lastLine; // guarded by lock

  /** Progress on {@code System.err}, drawn in place when stderr is a terminal. */
  ConsoleProgress() {
    this(System.err, ProgressLine.stderrIsTerminal());
  }

  /** Progress on {@code out}; {@code terminal} says whether it may be redrawn in place. */
  public ConsoleProgress(PrintStream out, boolean terminal) {
    this(out, terminal, DEFAULT_LOG_INTERVAL);
  }

  /**
   * Progress on {@code out}; when {@code terminal} is false the bar is printed as a line every
   * {@code logInterval} (positive).
   */
  public ConsoleProgress(PrintStream out, boolean terminal, Duration logInterval) {
    this.out = Objects.requireNonNull(out, "out");
    this.terminal = terminal;
    if (logInterval.isNegative() || logInterval.isZero()) {
      throw new IllegalArgumentException("logInterval must be positive, got " + logInterval);
    }
    this.logInterval = logInterval;
  }

  @Override
  public void onStart(RunConfig config, long startStep, long totalSteps) {
    start(startStep, totalSteps);
  }

  @Override
  public void onStep(StepEvent event) {
    if (bar == null) {
      start(event.step() - 1, event.totalSteps());
    }
    if (event.skipped()) {
      skipped++;
    } else {
      loss.add(event.loss());
    }
    tokensPerSecond.add(event.tokensPerSecond());
    if (bar.getMax() != event.totalSteps()) {
      bar.maxHint(event.totalSteps());
    }
    bar.setExtraMessage(message(event.lr()));
    bar.stepTo(event.step());
  }

  @Override
  public void onEvaluation(long step, long tokens, Map<String, Double> losses) {
    if (step == 0) {
      stepZero = new LinkedHashMap<>(losses);
    }
    printAbove(evaluationLine(step, losses, step == 0 ? null : stepZero));
  }

  @Override
  public void onCheckpoint(long step, Path directory) {
    printAbove(String.format(Locale.ROOT, "step %d: checkpoint %s", step, directory));
  }

  @Override
  public void onFinish(TrainingReport report) {
    close();
  }

  /** Ends the bar (printing its last state), if one is shown. Idempotent. */
  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  private void start(long startStep, long totalSteps) {
    close();
    long initial = Math.clamp(startStep, 0, Math.max(0, totalSteps));
    ProgressBarBuilder builder = new ProgressBarBuilder()
        .setTaskName("step")
        .setInitialMax(totalSteps)
        .startsFrom(initial, Duration.ZERO);
    if (terminal) {
      builder.setStyle(ProgressBarStyle.UNICODE_BLOCK)
          .setUpdateIntervalMillis(TERMINAL_REFRESH_MILLIS)
          .setConsumer(new TerminalConsumer(out, lock));
    } else {
      builder.setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis((int) Math.min(Integer.MAX_VALUE, logInterval.toMillis()))
          .setConsumer(new DelegatingProgressBarConsumer(this::printLine, LOG_LINE_WIDTH));
    }
    bar = builder.build();
    bar.setExtraMessage(message(Double.NaN));
  }

  /** "loss 3.214, lr 3.00e-04, 12.3k tok/s", with skipped steps when there were any. */
  private String message(double lr) {
    StringBuilder b = new StringBuilder();
    double l = loss.value();
    b.append(Double.isNaN(l) ? "loss -" : String.format(Locale.ROOT, "loss %.3f", l));
    b.append(Double.isFinite(lr) ? String.format(Locale.ROOT, ", lr %.2e", lr) : ", lr -");
    b.append(", ").append(rate(tokensPerSecond.value())).append(" tok/s");
    if (skipped > 0) {
      b.append(", ").append(skipped).append(" skipped");
    }
    return b.toString();
  }

  /** 950, 12.3k, 4.56M. */
  static String rate(double perSecond) {
    if (!Double.isFinite(perSecond)) {
      return "-";
    }
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
    }
    if (perSecond >= 1e4) {
      return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }

  /** "step 40: general 3.412 (+0.021), code 2.871 (-0.530)"; changes only against a step-0 loss. */
  static String evaluationLine(long step, Map<String, Double> losses, Map<String, Double> stepZero) {
    StringBuilder b = new StringBuilder("step ").append(step).append(':');
    String sep = " ";
    for (Map.Entry<String, Double> e : losses.entrySet()) {
      double value = e.getValue() == null ? Double.NaN : e.getValue();
      b.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.3f", value));
      Double base = stepZero == null ? null : stepZero.get(e.getKey());
      if (base != null && Double.isFinite(base) && Double.isFinite(value)) {
        b.append(String.format(Locale.ROOT, " (%+.3f)", value - base));
      }
      sep = ", ";
    }
    return b.toString();
  }

  /** A log line of the bar, unless it repeats the previous one (the library's last two renders). */
  private void printLine(String line) {
    synchronized (lock) {
      if (line.equals(lastLine)) {
        return;
      }
      lastLine = line;
      out.println(line);
      out.flush();
    }
  }

  /** Prints {@code line} above the bar: on a terminal the bar's line is cleared first and redrawn. */
  private void printAbove(String line) {
    synchronized (lock) {
      if (terminal && bar != null) {
        out.print("\r\u001b[2K");
      }
      out.println(line);
      out.flush();
    }
    if (terminal && bar != null) {
      bar.refresh();
    }
  }

  /** The library's carriage-return consumer, its writes serialised with this class's lines. */
  private static final class TerminalConsumer extends ConsoleProgressBarConsumer {
    private final PrintStream stream;
    private final Object lock;

    TerminalConsumer(PrintStream out, Object lock) {
      super(out);
      this.stream = out;
      this.lock = lock;
    }

    @Override
    public void accept(String rendered) {
      synchronized (lock) {
        super.accept(rendered);
        stream.flush();
      }
    }

    @Override
    public void close() {
      synchronized (lock) {
        super.close();
      }
    }
  }
}
