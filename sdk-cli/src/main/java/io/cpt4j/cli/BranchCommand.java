package io.cpt4j.cli;

import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.DecayBranch;
import io.cpt4j.train.DecayShape;
import io.cpt4j.train.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cpt4j branch RUN --from step-N --decay-tokens T [--shape S] [--min-lr LR] OUT}: a decay
 * branch ({@link DecayBranch}) of a constant or warmup-stable-decay run from one of its checkpoints.
 */
@Command(
    name = "branch",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Start a decay-only run in OUT from the checkpoint of RUN at step N: weights,",
      "optimizer state, data position and sampler state carry over, and the learning",
      "rate decays from the one RUN had at step N to the minimum over the given tokens",
      "(steps keep their numbers: the branch runs steps N+1 .. N+K). RUN is only read:",
      "it can still be resumed and branched again. OUT gets its own run.json (with",
      "branch_of), metrics.jsonl (RUN's lines up to step N, then the branch's),",
      "checkpoints/, final/, plots/ and report.json; 'cpt4j resume OUT' continues it."
    },
    footer = {"", "Example: cpt4j branch runs/main --from step-4000 --decay-tokens 200M --shape 1-sqrt runs/main-d4000"})
final class BranchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "The main run's directory.")
  Path run;

  @Parameters(index = "1", paramLabel = "OUT", description = "The branch's run directory (new, or empty).")
  Path output;

  @Option(names = "--from", required = true, paramLabel = "step-N", converter = StepConverter.class,
      description = "The checkpoint to branch from: step-N (or N), one of RUN's checkpoints/step-N.")
  long fromStep;

  @Option(names = "--decay-tokens", paramLabel = "T", converter = TokenCount.class,
      description = "Decay over T tokens (e.g. 200M, 1.5B, 65536): ceil(T / tokens per step) steps of RUN's batch.")
  Long decayTokens;

  @Option(names = "--decay-steps", paramLabel = "K", description = "Decay over K optimizer steps instead.")
  Long decaySteps;

  @Option(names = "--shape", paramLabel = "SHAPE", defaultValue = "1-sqrt",
      description = "cosine, linear, 1-sqrt or exponential (default: ${DEFAULT-VALUE}).")
  String shape;

  @Option(names = "--min-lr", paramLabel = "LR",
      description = "The learning rate of the last step (default: the min LR of RUN's schedule if it has one, else 0).")
  Double minLr;

  @Option(names = "--backend", paramLabel = "SPEC",
      description = "cpu, cpu:THREADS, gpu, gpu:INDEX or auto (default: RUN's, with its thread count: bit-exact on the CPU).")
  String backend;

  @Option(names = "--evaluate-every", paramLabel = "STEPS", description = "Steps between evaluations (default: RUN's).")
  Long evaluateEvery;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS",
      description = "Steps between checkpoints (default: RUN's; the last step always gets one).")
  Long checkpointEvery;

  @Override
  public Integer call() {
    if ((decayTokens == null) == (decaySteps == null)) {
      throw new ParameterException(spec.commandLine(), "give one of --decay-tokens and --decay-steps");
    }
    DecayShape decayShape;
    try {
      decayShape = DecayShape.fromId(shape);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--shape: " + e.getMessage());
    }
    DecayBranch branch = ContinualPretrainer.branch(run, fromStep).output(output);
    if (decayTokens != null) {
      branch.decay(decayTokens, decayShape);
    } else {
      branch.decaySteps(decaySteps, decayShape);
    }
    if (minLr != null) {
      branch.minLr(minLr);
    }
    if (backend != null) {
      branch.backend(backend);
    }
    if (evaluateEvery != null) {
      branch.evaluateEvery(evaluateEvery);
    }
    if (checkpointEvery != null) {
      branch.checkpointEvery(checkpointEvery);
    }
    TrainingReport report = branch.listener(new ConsoleProgress(System.err, ProgressLine.stderrIsTerminal())).train();
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.describe());
    out.flush();
    return 0;
  }

  /** {@code step-N} or {@code N}, N >= 1. */
  static final class StepConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      String v = value.strip();
      String digits = v.startsWith("step-") ? v.substring("step-".length()) : v;
      if (!digits.matches("\\d{1,18}") || Long.parseLong(digits) < 1) {
        throw new TypeConversionException("'" + value + "' is not a checkpoint step (expected step-N or N, N >= 1)");
      }
      return Long.parseLong(digits);
    }
  }

}
