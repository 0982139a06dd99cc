package io.cpt4j.cli;

import io.cpt4j.Cpt4jException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns exceptions into the CLI contract: failures the program explains print one line {@code
 * error: MESSAGE} and exit 1; bad usage prints {@code error: MESSAGE} plus a hint and exits 2. No
 * stack trace unless {@code CPT4J_DEBUG=1}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
  static final int FAILURE = 1;
  static final int USAGE = 2;

  private final boolean debug;

  ErrorReporter(boolean debug) {
    this.debug = debug;
  }

  static boolean debugFromEnvironment() {
    String v = System.getenv("CPT4J_DEBUG");
    return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    // picocli's argument-group messages start with their own "Error: "
    err.println("error: " + oneLine(ex.getMessage()).replaceFirst("^Error: ", ""));
    if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      err.println("Did you mean: " + String.join(", ", u.getSuggestions()) + "?");
    }
    if (debug) {
      ex.printStackTrace(err);
    }
    err.println(cmd.getHelp().fullSynopsis().stripTrailing());
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    return report(ex, cmd.getErr());
  }

  /** Prints the one-line error (and the stack trace in debug mode); returns the exit code. */
  int report(Throwable t, PrintWriter err) {
    err.println("error: " + message(t));
    if (debug) {
      t.printStackTrace(err);
    }
    err.flush();
    return FAILURE;
  }

  /** The one-line message for a failure. */
  static String message(Throwable t) {
    if (t instanceof Cpt4jException || t instanceof IllegalArgumentException) {
      return oneLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
    if (t instanceof UncheckedIOException u && u.getCause() != null) {
      return describeIo(u.getCause());
    }
    if (t instanceof IOException io) {
      return describeIo(io);
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory (give the JVM more heap, e.g. CPT4J_JAVA_OPTS=-Xmx8g)";
    }
    return "internal error: " + t.getClass().getName()
        + (t.getMessage() == null ? "" : ": " + oneLine(t.getMessage()));
  }

  private static String describeIo(IOException e) {
    String what = switch (e) {
      case NoSuchFileException n -> file(n) + ": no such file or directory";
      case AccessDeniedException a -> file(a) + ": permission denied";
      case FileAlreadyExistsException f -> file(f) + ": already exists";
      case DirectoryNotEmptyException d -> file(d) + ": directory not empty";
      case NotDirectoryException d -> file(d) + ": not a directory";
      case FileSystemException f when f.getReason() != null -> file(f) + ": " + f.getReason();
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
    return oneLine("I/O error: " + what);
  }

  private static String file(FileSystemException e) {
    return e.getOtherFile() == null ? e.getFile() : e.getFile() + " -> " + e.getOtherFile();
  }

  /** Collapses line breaks (and runs of whitespace around them) into single spaces. */
  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
