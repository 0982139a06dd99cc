package io.cpt4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in-process with captured stdout and stderr. */
final class Cli {
  private Cli() {}

  record Result(int exitCode, String out, String err) {
    /** Lines of stderr. */
    String[] errLines() {
      return err.isEmpty() ? new String[0] : err.split("\\R");
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err), false);
    return new Result(code, out.toString(), err.toString());
  }
}
