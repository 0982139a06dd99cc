package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void versionPrintsProjectVersion() {
    Cli.Result r = Cli.run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("cpt4j 0.1.0-SNAPSHOT");
  }

  @Test
  void helpListsSubcommands() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("Usage: cpt4j", "inspect", "convert", "--version");
  }

  @Test
  void subcommandHelp() {
    Cli.Result r = Cli.run("convert", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--dtype", "--max-shard-size", "--overwrite", "default: 5GB");
  }

  @Test
  void noCommandIsUsageError() {
    Cli.Result r = Cli.run();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: missing command").contains("cpt4j --help");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownSubcommandIsUsageError() {
    Cli.Result r = Cli.run("inspekt", "/tmp");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains("inspekt", "Did you mean", "inspect");
    assertThat(r.err()).doesNotContain("Exception", "\tat ");
  }

  @Test
  void unknownOptionIsUsageError() {
    Cli.Result r = Cli.run("inspect", "--frobnicate", "x");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: Unknown option: '--frobnicate'").contains("cpt4j inspect --help");
  }

  @Test
  void unexpectedExceptionsAreOneLineInternalErrors() {
    assertThat(ErrorReporter.message(new NullPointerException("x is null\nsecond line")))
        .isEqualTo("internal error: java.lang.NullPointerException: x is null second line");
    assertThat(ErrorReporter.message(new IllegalStateException()))
        .isEqualTo("internal error: java.lang.IllegalStateException");
    assertThat(ErrorReporter.message(new java.io.UncheckedIOException(
        new java.nio.file.NoSuchFileException("/nope"))))
        .isEqualTo("I/O error: /nope: no such file or directory");
    assertThat(ErrorReporter.message(new io.cpt4j.Cpt4jException("bad\r\n  thing")))
        .isEqualTo("bad thing");
  }
}
