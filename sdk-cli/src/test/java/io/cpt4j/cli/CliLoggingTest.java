package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The CLI's log lines: one line a record, the level only when it is not INFO, names only when debugging. */
class CliLoggingTest {
  private static LogRecord record(Level level, String message, Object... params) {
    LogRecord r = new LogRecord(level, message);
    r.setParameters(params);
    r.setLoggerName("io.cpt4j.data.internal.ShardStore");
    return r;
  }

  @Test
  void infoIsTheMessageAloneOnOneLine() {
    assertThat(CliLogging.render(record(Level.INFO, "reusing token dataset {0}", "d"), false))
        .isEqualTo("reusing token dataset d" + System.lineSeparator());
  }

  @Test
  void otherLevelsAreNamedAndNewlinesFolded() {
    assertThat(CliLogging.render(record(Level.WARNING, "could not remove {0}:\n{1}", "x", "busy"), false))
        .isEqualTo("WARNING: could not remove x: busy" + System.lineSeparator());
    assertThat(CliLogging.render(record(Level.SEVERE, "broken"), false)).startsWith("ERROR: broken");
  }

  @Test
  void debuggingAddsTheLoggerName() {
    assertThat(CliLogging.render(record(Level.INFO, "m"), true))
        .isEqualTo("m [io.cpt4j.data.internal.ShardStore]" + System.lineSeparator());
  }

  @AfterEach
  void normal() {
    CliLogging.verbosity(CliLogging.Verbosity.NORMAL);
  }

  @Test
  void slf4jLevelsAreNamedAsSlf4jNamesThem() {
    assertThat(CliLogging.render(record(Level.FINE, "d"), false)).startsWith("DEBUG: d");
    assertThat(CliLogging.render(record(Level.FINEST, "t"), false)).startsWith("TRACE: t");
  }

  @Test
  void slf4jRecordsReachJavaUtilLoggingAtTheChosenVerbosity() {
    Logger cpt4j = LoggerFactory.getLogger("io.cpt4j.data.internal.ShardStore");
    Logger library = LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine");
    assertThat(cpt4j.getClass().getName()).contains("JDK14"); // slf4j-jdk14 is the binding
    CliLogging.verbosity(CliLogging.Verbosity.NORMAL);
    assertThat(cpt4j.isInfoEnabled()).isTrue();
    assertThat(cpt4j.isDebugEnabled()).isFalse();
    assertThat(library.isInfoEnabled()).isFalse();
    assertThat(library.isWarnEnabled()).isTrue();
    CliLogging.verbosity(CliLogging.Verbosity.QUIET);
    assertThat(cpt4j.isInfoEnabled()).isFalse();
    assertThat(cpt4j.isWarnEnabled()).isTrue();
    CliLogging.verbosity(CliLogging.Verbosity.VERBOSE);
    assertThat(cpt4j.isDebugEnabled()).isTrue();
    assertThat(library.isInfoEnabled()).isTrue();
  }

  @Test
  void quietAndVerboseAreAcceptedByEveryCommand() {
    Logger cpt4j = LoggerFactory.getLogger("io.cpt4j.cli.Test");
    StringWriter out = new StringWriter();
    assertThat(Main.execute(new String[] {"train", "--quiet", "--help"}, new PrintWriter(out), new PrintWriter(out)))
        .isZero();
    assertThat(cpt4j.isInfoEnabled()).isFalse();
    assertThat(out.toString()).contains("--quiet").contains("--verbose");
    assertThat(Main.execute(new String[] {"--verbose", "merge", "--help"}, new PrintWriter(out), new PrintWriter(out)))
        .isZero();
    assertThat(cpt4j.isDebugEnabled()).isTrue();
  }
}
