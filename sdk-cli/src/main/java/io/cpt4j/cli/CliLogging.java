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
 * LEVEL: message} otherwise, with the logger's name only when {@code CPT4J_DEBUG=1}. The SDK logs
 * through {@link System.Logger} (and sdk-api through java.util.logging), which the JDK routes to
 * java.util.logging, whose default is two lines a record with the time and class name.
 */
final class CliLogging {
  private CliLogging() {}

  private static volatile boolean installed;

  /** Replaces the root logger's handlers with the one-line format; idempotent. */
  static void install(boolean debug) {
    if (installed) {
      return;
    }
    synchronized (CliLogging.class) {
      if (installed) {
        return;
      }
      Logger root = LogManager.getLogManager().getLogger("");
      for (Handler h : root.getHandlers()) {
        root.removeHandler(h);
      }
      Handler handler = new ConsoleHandler(); // System.err, INFO and above
      handler.setFormatter(new OneLine(debug));
      root.addHandler(handler);
      installed = true;
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
        b.append(r.getLevel() == Level.SEVERE ? "ERROR" : r.getLevel() == Level.WARNING ? "WARNING"
            : r.getLevel().getName()).append(": ");
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

  /** For tests: formats a record as the CLI prints it. */
  static String render(LogRecord r, boolean debug) {
    return new OneLine(debug).format(r);
  }
}
