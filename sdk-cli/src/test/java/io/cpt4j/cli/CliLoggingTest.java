package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

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
}
