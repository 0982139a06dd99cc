package io.cpt4j.spark;

import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import io.cpt4j.eval.SetReport;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * The effect of In-Context Pretraining order at quickstart scale (measured, not asserted): the
 * quickstart's CPT recipe ({@code quickstart/runs/cpt/run.json}) with its code source prepared by
 * {@link SparkPrepare} twice, in stable order and in In-Context order, trained from those prepared
 * datasets ({@code dataset:} sources) with everything else equal; prints both runs' validation losses.
 * Run from the repository root after {@code ./cpt4j quickstart} and {@code ./mvnw -pl sdk-spark -am
 * package -DskipTests}: {@code java <spark opens> -cp ... io.cpt4j.spark.InContextOrderExperiment
 * [QUICKSTART [OUT [K]]]}.
 */
public final class InContextOrderExperiment {
  private InContextOrderExperiment() {}

  public static void main(String[] args) throws Exception {
    Path quickstart = Path.of(args.length > 0 ? args[0] : "quickstart");
    Path out = Path.of(args.length > 1 ? args[1] : quickstart.resolve("icp").toString()).toAbsolutePath();
    int k = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    RunConfig recipe = ContinualPretrainer.fromYaml(quickstart.resolve("runs/cpt/run.json")).config();
    Mixture.Component code = recipe.mixture().components().stream()
        .filter(c -> c.source().name().startsWith("code")).findFirst().orElseThrow();
    Files.createDirectories(out);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("cpt4j-icp")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    try {
      for (boolean icp : new boolean[] {false, true}) {
        String name = icp ? "in-context" : "stable";
        long t0 = System.nanoTime();
        PrepareReport r = SparkPrepare.of(code.source()).tokenizer(recipe.tokenizer()).output(out.resolve("data-" + name))
            .inContextOrder(icp ? InContextOrder.minHash(k) : null).partitions(4).build().run(spark);
        System.out.printf(Locale.ROOT, "prepared %s: %,d documents, %,d tokens in %.1f s%n", name, r.keptDocuments(),
            r.keptTokens(), (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      spark.stop();
    }
    System.out.println("| code order | general: base → final | code: base → final |");
    System.out.println("|---|---|---|");
    for (String name : new String[] {"stable", "in-context"}) {
      Mixture mixture = null;
      for (Mixture.Component c : recipe.mixture().components()) {
        Source s = c == code ? Source.dataset(out.resolve("data-" + name)).named(c.source().name()) : c.source();
        mixture = mixture == null ? Mixture.of(s, c.weight(), c.limits())
            : c.replay() ? mixture.replay(s, c.weight(), c.limits()) : mixture.and(s, c.weight(), c.limits());
      }
      RunConfig config = recipe.newBuilder().mixture(mixture.seed(recipe.mixture().seed()))
          .output(out.resolve("run-" + name)).dataCache(out.resolve("cache")).tokens(0).build();
      TrainingReport report = ContinualPretrainer.from(config).train();
      SetReport g = report.evaluation().set("general");
      SetReport c = report.evaluation().set("code");
      System.out.printf(Locale.ROOT, "| %s | %.3f → %.3f | %.3f → %.3f |%n", name, g.initialLoss(), g.finalLoss(),
          c.initialLoss(), c.finalLoss());
    }
  }
}
