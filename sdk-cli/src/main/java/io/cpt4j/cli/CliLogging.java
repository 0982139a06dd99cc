package io.cpt4j.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The command line's log lines: one line a record on stderr, the message alone for INFO and {@code
 * LEVEL: message} otherwise ({@code DEBUG}, {@code WARNING}, {@code ERROR}), with the logger's name
 * only when {@code CPT4J_DEBUG=1}. The SDK and its libraries log through SLF4J, which the CLI binds
 * to java.util.logging ({@code slf4j-jdk14}); this class replaces java.util.logging's default of
 * two lines a record with the time and class name.
 *
 * <p>Levels: cpt4j's own records from INFO, libraries' (DJL, Jinjava …) from WARNING; {@link
 * Verbosity#QUIET} shows warnings and errors only, {@link Verbosity#VERBOSE} adds cpt4j's DEBUG
 * records and libraries' INFO records.
 */
final class CliLogging {
  private CliLogging() {}

  /** How much the command line logs: {@code --quiet}, the default, {@code --verbose}. */
  enum Verbosity {
    QUIET(Level.WARNING, Level.WARNING),
    NORMAL(Level.INFO, Level.WARNING),
    VERBOSE(Level.FINE, Level.INFO);

    final Level cpt4j;
    final Level libraries;

    Verbosity(Level cpt4j, Level libraries) {
      this.cpt4j = cpt4j;
      this.libraries = libraries;
    }
  }

  private static volatile boolean installed;
  private static volatile Handler handler;
  // Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level.
  private static final Logger ROOT = LogManager.getLogManager().getLogger("");
  private static final Logger CPT4J = Logger.getLogger("io.cpt4j");
  // DJL warns on every CPU-only start that it cannot count GPUs; sdk-gpu says precisely what is missing.
  private static final Logger DJL_CUDA = Logger.getLogger("ai.djl.util.cuda.CudaUtils");

  /** Replaces the root logger's handlers with the one-line format at the default verbosity; idempotent. */
  static void install(boolean debug) {
    if (installed) {
      return;
    }
    synchronized (CliLogging.class) {
      if (installed) {
        return;
      }
      for (Handler h : ROOT.getHandlers()) {
        ROOT.removeHandler(h);
      }
      Handler h = new ConsoleHandler(); // System.err
      h.setFormatter(new OneLine(debug));
      ROOT.addHandler(h);
      handler = h;
      installed = true;
      verbosity(Verbosity.NORMAL);
    }
  }

  /** Sets what is logged from now on (no effect on the format). */
  static synchronized void verbosity(Verbosity v) {
    ROOT.setLevel(v.libraries);
    CPT4J.setLevel(v.cpt4j);
    DJL_CUDA.setLevel(v == Verbosity.VERBOSE ? v.libraries : Level.SEVERE);
    Handler h = handler;
    if (h != null) {
      h.setLevel(Level.ALL);
    }
  }

  /** {@code message} or {@code LEVEL: message}, one line, plus the logger name when debugging. */
  static final class OneLine extends Formatter {
    private final boolean debug;

    OneLine(boolean debug) {
      this.debug = debug;
    }

    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder();
      if (r.getLevel() != Level.INFO) {
        b.append(levelName(r.getLevel())).append(": ");
      }
      b.append(formatMessage(r).replace('\n', ' '));
      if (debug) {
        b.append(" [").append(r.getLoggerName()).append(']');
      }
      if (debug && r.getThrown() != null) {
        java.io.StringWriter trace = new java.io.StringWriter();
        r.getThrown().printStackTrace(new java.io.PrintWriter(trace));
        b.append(System.lineSeparator()).append(trace);
      }
      return b.append(System.lineSeparator()).toString();
    }
  }

  /** SLF4J's names for java.util.logging's levels, as slf4j-jdk14 maps them. */
  static String levelName(Level level) {
    int v = level.intValue();
    return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARNING"
        : v >= Level.INFO.intValue() ? level.getName() : v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
  }

  /** For tests: formats a record as the CLI prints it. */
  static String render(LogRecord r, boolean debug) {
    return new OneLine(debug).format(r);
  }
}
