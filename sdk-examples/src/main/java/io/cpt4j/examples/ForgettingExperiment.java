package io.cpt4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.Trainable;
import io.cpt4j.data.Mixture;
import io.cpt4j.eval.SetReport;
import io.cpt4j.grow.DepthGrowth;
import io.cpt4j.grow.GrowthReport;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Forgetting of general English while a model learns code, at equal code tokens, for the remedies
 * of issue 18: the quickstart's CPT recipe (10% replay) without a regularizer, with KL or
 * logit-swap self-distillation to the base on the replay rows, and block expansion with only the
 * new blocks trainable; plus the recipe without replay for scale. Each variant is one run from the
 * quickstart's base on its corpora (the recipe in {@code quickstart/runs/cpt/run.json}, left
 * unchanged); writes {@code OUT/<variant>/} run directories, {@code OUT/results.json} and {@code
 * OUT/forgetting.png}, and prints a Markdown table.
 *
 * <p>Run after {@code ./cpt4j quickstart}: {@code java -cp ... io.cpt4j.examples.ForgettingExperiment
 * [QUICKSTART_DIR [OUT]]} (defaults {@code quickstart} and {@code quickstart/forgetting}); about 10
 * minutes on 2 cores.
 */
public final class ForgettingExperiment {
  private ForgettingExperiment() {}

  /** One variant's curves: code tokens seen and the validation losses at each evaluation. */
  private record Curves(List<Double> codeTokens, Map<String, List<Double>> losses) {}

  public static void main(String[] args) throws IOException {
    Path quickstart = Path.of(args.length > 0 ? args[0] : "quickstart");
    Path out = Path.of(args.length > 1 ? args[1] : quickstart.resolve("forgetting").toString());
    RunConfig recipe = ContinualPretrainer.fromYaml(quickstart.resolve("runs/cpt/run.json")).config();
    Mixture.Component code = recipe.mixture().components().stream().filter(c -> c.source().name().startsWith("code"))
        .findFirst().orElseThrow();
    double codeShare = code.weight();
    Files.createDirectories(out);
    GrowthReport grown = DepthGrowth.of(recipe.base()).every(2).overwrite(true).writeTo(out.resolve("base-grown"));

    Map<String, RunConfig> variants = new LinkedHashMap<>();
    RunConfig.Builder replay = recipe.newBuilder().dataCache(out.resolve("data")).keepLastCheckpoints(1);
    // at equal code tokens: without replay every row is code, so fewer steps see as much code
    variants.put("no replay", replay.build().newBuilder().mixture(Mixture.of(code.source(), 1.0, code.limits()))
        .steps(Math.round(recipe.steps() * codeShare)).build());
    variants.put("replay 10%", replay.build());
    variants.put("replay + KL", replay.build().newBuilder()
        .regularize(Regularizer.kl(1).onSources("general")).build());
    variants.put("replay + logit-swap", replay.build().newBuilder()
        .regularize(Regularizer.logitSwap(1).onSources("general")).build());
    variants.put("replay + block expansion", replay.build().newBuilder().base(grown.output())
        .tokenizer(recipe.tokenizer()).trainable(Trainable.matching(grown.trainablePattern())).build());

    Map<String, TrainingReport> reports = new LinkedHashMap<>();
    Map<String, Curves> curves = new LinkedHashMap<>();
    for (Map.Entry<String, RunConfig> v : variants.entrySet()) {
      String dir = v.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
      RunConfig config = v.getValue().newBuilder().output(out.resolve(dir)).tokens(0).build();
      double share = config.mixture().components().size() == 1 ? 1.0 : codeShare;
      Curves c = new Curves(new ArrayList<>(), new LinkedHashMap<>());
      TrainingListener collect = new TrainingListener() {
        @Override
        public void onEvaluation(long step, long tokens, Map<String, Double> losses) {
          c.codeTokens().add(tokens * share);
          losses.forEach((set, loss) -> c.losses().computeIfAbsent(set, k -> new ArrayList<>()).add(loss));
        }
      };
      System.out.println("== " + v.getKey() + " -> " + config.output());
      long t0 = System.nanoTime();
      TrainingReport r = ContinualPretrainer.from(config).listener(collect).train();
      System.out.printf(Locale.ROOT, "   %.0f s%n", (System.nanoTime() - t0) / 1e9);
      reports.put(v.getKey(), r);
      curves.put(v.getKey(), c);
    }
    writeResults(out, reports, grown);
    plot(out.resolve("forgetting.png"), curves);
  }

  private static void writeResults(Path out, Map<String, TrainingReport> reports, GrowthReport grown)
      throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode rows = json.createArrayNode();
    System.out.println();
    System.out.println("| variant | code tokens | general: base → final (forgetting) | code: base → final (gain) "
        + "| general stability gap | seconds |");
    System.out.println("|---|---:|---|---|---:|---:|");
    for (Map.Entry<String, TrainingReport> e : reports.entrySet()) {
      TrainingReport r = e.getValue();
      SetReport general = r.evaluation().set("general");
      SetReport code = r.evaluation().set("code");
      long codeTokens = r.tokensPerSource().entrySet().stream().filter(t -> t.getKey().startsWith("code"))
          .mapToLong(Map.Entry::getValue).sum();
      ObjectNode row = rows.addObject().put("variant", e.getKey()).put("steps", r.steps())
          .put("code_tokens", codeTokens).put("seconds", r.seconds());
      row.putObject("general").put("initial", general.initialLoss()).put("final", general.finalLoss())
          .put("change", general.change()).put("stability_gap", general.gap().maxRise());
      row.putObject("code").put("initial", code.initialLoss()).put("final", code.finalLoss()).put("change", code.change());
      System.out.printf(Locale.ROOT, "| %s | %,d | %.3f → %.3f (%+.3f) | %.3f → %.3f (%+.3f) | %.3f | %.0f |%n",
          e.getKey(), codeTokens, general.initialLoss(), general.finalLoss(), general.change(), code.initialLoss(),
          code.finalLoss(), code.change(), general.gap().maxRise(), r.seconds());
    }
    ObjectNode root = json.createObjectNode();
    root.put("grown_layers", grown.describe());
    root.set("variants", rows);
    json.writeValue(out.resolve("results.json").toFile(), root);
  }

  private static void plot(Path file, Map<String, Curves> curves) throws IOException {
    List<XYChart> charts = new ArrayList<>();
    for (String set : List.of("general", "code")) {
      XYChart chart = new XYChartBuilder().width(640).height(420).title(set + " validation loss")
          .xAxisTitle("code tokens").yAxisTitle("loss (nats)").build();
      chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
      chart.getStyler().setPlotGridLinesVisible(true)
          .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
      curves.forEach((variant, c) -> {
        if (c.losses().containsKey(set)) {
          chart.addSeries(variant, c.codeTokens(), c.losses().get(set)).setMarker(SeriesMarkers.CIRCLE);
        }
      });
      charts.add(chart);
    }
    BitmapEncoder.saveBitmap(charts, 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
