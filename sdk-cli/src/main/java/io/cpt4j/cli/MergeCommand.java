package io.cpt4j.cli;

import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeConfig;
import io.cpt4j.merge.MergeReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j merge CONFIG.yaml OUT}: runs a mergekit-style merge configuration. */
@Command(
    name = "merge",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Merge checkpoints as a mergekit-style YAML config says (merge_method,",
      "base_model, models, parameters, dtype; see docs/merging.md and the methods",
      "below). The merge streams tensor by tensor; OUT is written under a temporary",
      "name and renamed, so it is never left half-written."
    })
final class MergeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CONFIG", description = "The merge config (YAML); paths in it are relative to it.")
  Path config;

  @Parameters(index = "1", paramLabel = "OUT", description = "Checkpoint directory to write.")
  Path output;

  @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
  boolean overwrite;

  @Option(names = "--eval", paramLabel = "TASK",
      description = "Score the merged model on this task file afterwards (repeatable; see 'cpt4j eval').")
  List<Path> evalTasks = new ArrayList<>();

  @Option(names = "--eval-limit", paramLabel = "N", description = "With --eval: only the first N documents of each task.")
  Integer evalLimit;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    refuseNonEmptyOutput();
    if (evalLimit != null && evalLimit < 1) {
      throw new ParameterException(spec.commandLine(), "--eval-limit must be >= 1, got " + evalLimit);
    }
    List<Task> tasks = evalTasks.stream().map(Task::read).toList(); // a bad task file fails before the merge
    MergeReport report;
    String method;
    try (MergeConfig mc = MergeConfig.load(config);
        ProgressLine progress = ProgressLine.onStderrIfTerminal("merging");
        StagingWatch watch = new StagingWatch(output, expectedBytes(mc.merge()), progress)) {
      method = mc.merge().method().name();
      watch.start();
      report = mc.writeTo(output, overwrite);
      watch.finish();
      progress.finish();
    }
    long written = OutputDirectory.totalBytes(report.files());
    double seconds = report.elapsed().toNanos() / 1e9;
    out.printf(Locale.ROOT, "%s: merged %d tensors, copied %d; read %s (%s) in %.2f s (%.2f GB/s of input)%n",
        method, report.mergedTensors(), report.copiedTensors(), Numbers.grouped(report.inputBytes()),
        io.cpt4j.checkpoint.ByteSizes.decimal(report.inputBytes()), seconds, seconds > 0 ? report.inputBytes() / seconds / 1e9 : 0.0);
    out.printf(Locale.ROOT, "wrote %d files, %s (%s) -> %s%n", report.files().size(), Numbers.grouped(written),
        io.cpt4j.checkpoint.ByteSizes.decimal(written), report.directory());
    for (Path p : report.files()) {
      out.printf(Locale.ROOT, "  %s  %s%n", p.getFileName(), io.cpt4j.checkpoint.ByteSizes.decimal(Files.size(p)));
    }
    out.flush();
    if (!tasks.isEmpty()) {
      out.println();
      TaskOptions options = evalLimit == null ? TaskOptions.defaults() : TaskOptions.builder().limit(evalLimit).build();
      Path merged = report.directory();
      out.print(EvalCommand.table(EvalCommand.score(merged, tasks, () -> Scorer.open(merged), options)));
      out.flush();
    }
    return 0;
  }

  /** Bytes of tensor data the output will hold: progress measures the staging directory against it. */
  private static long expectedBytes(Merge m) {
    long n = 0;
    for (TensorInfo t : m.target().tensors()) {
      DType d = m.dtype() != null && t.dtype().isFloatingPoint() ? m.dtype() : t.dtype();
      n += t.elementCount() * d.byteSize();
    }
    return n;
  }

  /** The merge checks too; checking first gives the CLI's own hint before any checkpoint is opened. */
  private void refuseNonEmptyOutput() throws IOException {
    if (!overwrite && OutputDirectory.isNonEmpty(output)) {
      throw new CheckpointException(output, OutputDirectory.NOT_EMPTY);
    }
  }

  /**
   * Draws progress by polling the size of the hidden staging directory next to OUT ({@code
   * .OUT.partial-*}, where the checkpoint writer streams the shards) every 200 ms. Only runs when
   * the progress line is drawn.
   */
  private static final class StagingWatch implements AutoCloseable {
    private final Path output;
    private final long total;
    private final ProgressLine progress;
    private Thread thread;

    StagingWatch(Path output, long total, ProgressLine progress) {
      this.output = output.toAbsolutePath();
      this.total = total;
      this.progress = progress;
    }

    void start() {
      if (!ProgressLine.stderrIsTerminal()) {
        return;
      }
      thread = Thread.ofVirtual().name("merge-progress").start(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            progress.update(Math.min(total, stagedBytes()), total);
            Thread.sleep(200);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    private long stagedBytes() {
      long n = 0;
      String prefix = "." + output.getFileName() + ".partial-";
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(output.getParent(), prefix + "*")) {
        for (Path d : dirs) {
          try (Stream<Path> files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
              n += Files.size(f);
            }
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // the staging directory was renamed into place or removed between listing and sizing
      }
      return n;
    }

    @Override
    public void close() {
      if (thread != null) {
        thread.interrupt();
        try {
          thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        thread = null;
      }
    }

    /** Stops polling and draws 100 %. */
    void finish() {
      boolean drawing = thread != null;
      close();
      if (drawing) {
        progress.update(total, total);
      }
    }
  }
}
