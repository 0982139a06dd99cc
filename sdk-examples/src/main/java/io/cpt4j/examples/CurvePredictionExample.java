package io.cpt4j.examples;

import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.SetReport;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.plan.AnnealingLaw;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.plan.PlanException;
import io.cpt4j.quickstart.Corpora;
import io.cpt4j.quickstart.Quickstart;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.DecayShape;
import io.cpt4j.train.LrSchedule;
import io.cpt4j.train.Rewarm;
import io.cpt4j.train.Span;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How well a run predicts its own final validation loss ({@link CurvePrediction}, made at every
 * evaluation) from its first 20 %, 40 % and 60 %: the quickstart's continual pre-training (its base
 * model, data, mixture and evaluation sets) run for several lengths and two schedules, each
 * evaluated 25 times, and every set's last prediction up to each fraction compared with the final
 * loss the run reached. Prints a Markdown table (docs/planning-curves.md holds one):
 *
 * <pre>
 * java -cp "sdk-examples/target/classes:sdk-cli/target/lib/*" io.cpt4j.examples.CurvePredictionExample \
 *     [WORK_DIR [COSINE_STEPS [WSD_STEPS]]]
 * </pre>
 *
 * WORK_DIR (default {@code sdk-examples/target/curves}) receives the quickstart's tokenizer and base
 * model (reused when present, e.g. a quickstart work directory) and the runs. COSINE_STEPS (default
 * {@code 50,100,200}) are the lengths, in steps of 4,096 tokens, of runs with the quickstart's
 * schedule (1 % warmup to 1e-3, cosine to 1e-4), WSD_STEPS (default {@code 100}; {@code -} for none)
 * those of runs warming up the same, stable, then decaying linearly to 1e-4 over the last 20 %. The
 * table adds the prediction from 90 % of the run, and "last observed", the persistence baseline: the
 * loss at the fraction taken as the final loss. A first table calibrates the predictions on curves
 * the law itself generated ({@code WORK_DIR} = {@code synthetic} prints only that one).
 */
public final class CurvePredictionExample {
  private static final double[] FRACTIONS = {0.2, 0.4, 0.6, 0.9};
  private static final int EVALUATIONS = 25;

  private CurvePredictionExample() {}

  /** A schedule by name, for a run of the quickstart's peak learning rate. */
  private record NamedRun(String name, LrSchedule schedule) {}

  public static void main(String[] args) {
    Path work = Path.of(args.length > 0 ? args[0] : "sdk-examples/target/curves");
    long[] cosine = steps(args.length > 1 ? args[1] : "50,100,200");
    long[] wsd = steps(args.length > 2 ? args[2] : "100");
    PrintStream log = System.err;
    synthetic();
    if (args.length > 0 && args[0].equals("synthetic")) {
      return;
    }
    Quickstart.Settings s = Quickstart.Settings.defaults().withWork(work).withTokens(600_000, 4L * 4096);
    Quickstart.run(s, List.of(), log); // the tokenizer and base model (a 4-step continual run besides)
    NamedRun[] schedules = {
        new NamedRun("cosine", Rewarm.to(1e-3).warmupFraction(0.01).cosineTo(1e-4)),
        new NamedRun("wsd", Rewarm.to(1e-3).warmupFraction(0.01).stableThenDecay(Span.fraction(0.2),
            DecayShape.LINEAR, 1e-4))};
    long[][] lengths = {cosine, wsd};
    List<String> rows = new ArrayList<>();
    for (int k = 0; k < schedules.length; k++) {
      NamedRun r = schedules[k];
      for (long steps : lengths[k]) {
        long started = System.nanoTime();
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        TrainingReport report = train(s, r, steps, curves);
        log.printf(Locale.ROOT, "%s, %d steps: %.0f s%n%s", r.name(), steps, (System.nanoTime() - started) / 1e9,
            report.describe());
        rows.addAll(rows(r.name(), steps, report, curves));
      }
    }
    System.out.println("| schedule | steps | set | from | predicted (90% interval) | actual final | error | in interval "
        + "| last observed (error) |");
    System.out.println("|---|---:|---|---:|---|---:|---:|---|---|");
    rows.forEach(System.out::println);
  }

  /**
   * Calibration on curves the law itself made: 2,000 steps of a 40-step warmup to 3e-4 then cosine
   * (or stable and a linear decay over the last 20 %) to 3e-5, evaluated every 20 steps, {@code L = 2
   * + 0.6 S1^-0.5 - 0.8 S2} plus Gaussian noise of 0.003 nats, 40 seeds; per fraction of the run the
   * predictions made (the rest refused), their mean and largest error, the mean interval width and
   * how many intervals hold the true final loss.
   */
  private static void synthetic() {
    long steps = 2_000;
    AnnealingLaw truthLaw = new AnnealingLaw(2.0, 0.6, 0.5, 0.8, LrAreas.DEFAULT_DECAY);
    NamedRun[] schedules = {
        new NamedRun("cosine", Rewarm.to(3e-4).warmupSteps(40).cosineTo(3e-5)),
        new NamedRun("wsd", Rewarm.to(3e-4).warmupSteps(40).stableThenDecay(Span.fraction(0.2), DecayShape.LINEAR,
            3e-5))};
    System.out.println("| schedule | from | predicted | mean abs error | max abs error | mean interval width "
        + "| final loss in interval |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (NamedRun r : schedules) {
      LrAreas areas = LrAreas.of(step -> r.schedule().lr(step, steps), steps);
      double truth = truthLaw.loss(areas, steps);
      for (double f : new double[] {0.2, 0.4, 0.6, 0.85, 0.9}) {
        int made = 0;
        int covered = 0;
        double sum = 0;
        double max = 0;
        double width = 0;
        for (long seed = 1; seed <= 40; seed++) {
          java.util.Random random = new java.util.Random(seed);
          List<EvalPoint> points = new ArrayList<>(List.of(new EvalPoint(0, 0, 10.0)));
          for (long step = 20; step <= f * steps; step += 20) {
            points.add(new EvalPoint(step, step * 4096, truthLaw.loss(areas, step) + 0.003 * random.nextGaussian()));
          }
          try {
            CurvePrediction p = CurvePrediction.fit(new ValidationCurve("synthetic", points), areas);
            made++;
            covered += p.covers(truth) ? 1 : 0;
            sum += Math.abs(p.error(truth));
            max = Math.max(max, Math.abs(p.error(truth)));
            width += p.upper() - p.lower();
          } catch (PlanException e) {
            // refused: counted by what is missing from "predicted"
          }
        }
        System.out.println(made == 0
            ? String.format(Locale.ROOT, "| %s | %.0f%% | 0 of 40 (refused) | - | - | - | - |", r.name(), 100 * f)
            : String.format(Locale.ROOT, "| %s | %.0f%% | %d of 40 | %.4f | %.4f | %.4f | %d of %d |", r.name(), 100 * f,
                made, sum / made, max, width / made, covered, made));
      }
    }
    System.out.println();
  }

  /** Step counts from "50,100,200"; none from "" or "-". */
  private static long[] steps(String list) {
    return list.isBlank() || list.equals("-") ? new long[0]
        : Arrays.stream(list.split(",")).mapToLong(Long::parseLong).toArray();
  }

  /**
   * The quickstart's continual pre-training from its base, for {@code steps} steps of {@code
   * schedule}; every evaluation's (step, loss) is added to {@code curves} by set.
   */
  private static TrainingReport train(Quickstart.Settings s, NamedRun r, long steps, Map<String, List<double[]>> curves) {
    Source.Split general = Corpora.sotu().named("general").split(0.05, 1);
    Source.Split code = Corpora.javaCode().named("code").split(0.05, 1);
    long batch = (long) s.batchRows() * s.sequenceLength();
    Path run = s.work().resolve("runs/" + r.name() + "-" + steps);
    if (Files.exists(run)) {
      try {
        AtomicFiles.deleteTree(run);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ContinualPretrainer.from(s.work().resolve("base")).rewarm(r.schedule())
        .mix(Mixture.of(code.train(), 0.9).replay(general.train(), 0.1).seed(1))
        .steps(steps).sequenceLength(s.sequenceLength()).batchTokens(batch)
        .validateOn("general", general.validation()).validateOn("code", code.validation())
        .validationTokens(16L * s.sequenceLength()).evaluateEvery(Math.max(1, steps / EVALUATIONS))
        .dataCache(s.work().resolve("data")).output(run)
        .listener(new TrainingListener() {
          @Override
          public void onEvaluation(long step, long tokens, Map<String, Double> losses) {
            losses.forEach((set, loss) -> curves.computeIfAbsent(set, k -> new ArrayList<>()).add(new double[] {step, loss}));
          }
        }).train();
  }

  /** One table row per set and fraction. */
  private static List<String> rows(String schedule, long steps, TrainingReport report,
      Map<String, List<double[]>> curves) {
    List<String> out = new ArrayList<>();
    for (SetReport set : report.evaluation().sets()) {
      double actual = set.finalLoss();
      for (double f : FRACTIONS) {
        long until = Math.round(f * steps);
        Optional<CurvePrediction> p = report.predictions().getOrDefault(set.name(), List.of()).stream()
            .filter(c -> c.step() <= until).reduce((a, b) -> b);
        double observed = curves.get(set.name()).stream().filter(e -> e[0] <= until).reduce((a, b) -> b)
            .map(e -> e[1]).orElse(Double.NaN);
        String prediction = p.map(c -> String.format(Locale.ROOT, "%.3f (%.3f .. %.3f)", c.loss(), c.lower(),
            c.upper())).orElse("refused");
        String error = p.map(c -> String.format(Locale.ROOT, "%+.3f (%+.1f%%)", c.error(actual),
            100 * c.error(actual) / actual)).orElse("-");
        String inside = p.map(c -> c.covers(actual) ? "yes" : "no").orElse("-");
        out.add(String.format(Locale.ROOT, "| %s | %d | %s | %.0f%% (step %s) | %s | %.3f | %s | %s | %.3f (%+.3f) |",
            schedule, steps, set.name(), 100 * f, p.map(c -> Long.toString(c.step())).orElse(Long.toString(until)),
            prediction, actual, error, inside, observed, observed - actual));
      }
    }
    return out;
  }
}
