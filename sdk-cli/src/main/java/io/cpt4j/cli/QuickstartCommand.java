package io.cpt4j.cli;

import io.cpt4j.quickstart.Quickstart;
import io.cpt4j.quickstart.QuickstartTasks;
import io.cpt4j.train.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cpt4j quickstart}: pre-train a tiny base model, then continually pre-train it on code. */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Continual pre-training end to end in a few minutes on a laptop CPU: train a",
      "BPE tokenizer and pre-train a ~1.9M-parameter Llama on the bundled State of",
      "the Union addresses, then continually pre-train it on Java source code with",
      "a re-warmed learning rate and 10 % general replay, and report the gain on",
      "code, the forgetting of general English and the stability gap. A second run",
      "reuses the tokenizer, the base model and the token shards. Finally the model",
      "is exported to ONNX and a few lines of Java are generated with ONNX Runtime."
    })
final class QuickstartCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--work", paramLabel = "DIR", defaultValue = "quickstart",
      description = "Work directory (default: ${DEFAULT-VALUE}).")
  Path work;

  @Option(names = "--base-tokens", paramLabel = "N", defaultValue = "600000",
      description = "Tokens of base pre-training (default: ${DEFAULT-VALUE}).")
  long baseTokens;

  @Option(names = "--cpt-tokens", paramLabel = "N", defaultValue = "400000",
      description = "Tokens of continual pre-training (default: ${DEFAULT-VALUE}).")
  long cptTokens;

  @Override
  public Integer call() {
    if (baseTokens <= 0 || cptTokens <= 0) {
      throw new ParameterException(spec.commandLine(), "--base-tokens and --cpt-tokens must be > 0");
    }
    Quickstart.Settings s = Quickstart.Settings.defaults().withWork(work).withTokens(baseTokens, cptTokens);
    TrainingReport report = Quickstart.run(s, List.of(new ConsoleProgress(System.err, ProgressLine.stderrIsTerminal())),
        System.err);
    PrintWriter out = spec.commandLine().getOut();
    out.println();
    out.print(report.describe());
    out.flush();
    System.err.println("      scoring the shipped cloze tasks on the base and the continually pre-trained model");
    String tasks = QuickstartTasks.forgetting(s.work().resolve("base"), report.finalModel(), System.err);
    out.println();
    out.println("task accuracy, base -> continually pre-trained (4 choices: chance 0.25):");
    out.print(tasks);
    out.flush();
    String text = Quickstart.exportAndGenerate(report.finalModel(), work, System.err);
    out.println();
    out.println(text);
    out.flush();
    return 0;
  }
}
