package io.cpt4j.plan.internal;

import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixtureLaw;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import io.cpt4j.report.internal.RunPlots;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A plan's plots, PNG and SVG in the run plots' style:
 *
 * <ul>
 *   <li>{@code law-SET}: per validation set, the fitted loss against tokens (log scale) for domain
 *       shares 0.1 to 0.9, with the observations of those shares as markers in the same colour;
 *   <li>{@code frontier}: for the first domain and general sets, predicted general loss against
 *       predicted domain loss over domain shares 0 to 1 at the largest observed budget and at 10×
 *       it, with the observed shares marked: the trade-off a ratio buys.
 * </ul>
 *
 * Stateless.
 */
final class PlanPlots {
  private PlanPlots() {}

  private static final double[] SHARES = {0.1, 0.3, 0.5, 0.7, 0.9};
  private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd)};

  static List<Path> write(MixturePlan plan, List<Observation> observations, long parameters, Path dir) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      long maxTokens = observations.stream().mapToLong(Observation::tokens).max().orElse(1_000_000);
      long minTokens = observations.stream().mapToLong(Observation::tokens).min().orElse(maxTokens / 10);
      for (MixtureFit f : plan.fits()) {
        written.addAll(RunPlots.saveChart(lawChart(f.law(), observations, parameters, minTokens / 2, maxTokens * 10),
            dir, "law-" + f.law().set().replaceAll("[^A-Za-z0-9._-]", "_")));
      }
      MixtureLaw domain = plan.fits().stream().map(MixtureFit::law).filter(l -> !l.general()).findFirst().orElse(null);
      MixtureLaw general = plan.fits().stream().map(MixtureFit::law).filter(MixtureLaw::general).findFirst()
          .orElse(null);
      if (domain != null && general != null) {
        written.addAll(RunPlots.saveChart(frontier(domain, general, parameters, maxTokens), dir, "frontier"));
      }
    } catch (IOException e) {
      throw new PlanException("cannot write plots to " + dir + ": " + e.getMessage(), e);
    }
    return written;
  }

  private static XYChart lawChart(MixtureLaw law, List<Observation> observations, long parameters, long from,
      long to) {
    XYChart chart = RunPlots.styledChart("D-CPT Law fit: " + law.set() + " (" + (law.general() ? "general"
        : "domain") + " set)",
        "training tokens (log scale)", "validation loss (nats/token)");
    chart.getStyler().setXAxisLogarithmic(true);
    for (int i = 0; i < SHARES.length; i++) {
      double share = SHARES[i];
      double[] x = new double[60];
      double[] y = new double[60];
      for (int k = 0; k < x.length; k++) {
        x[k] = from * Math.pow((double) to / from, k / (x.length - 1.0));
        y[k] = law.loss(share, x[k], parameters);
      }
      XYSeries s = chart.addSeries(String.format(Locale.ROOT, "fit, domain share %.1f", share), x, y);
      s.setLineColor(COLOURS[i]);
      s.setMarker(SeriesMarkers.NONE);
      List<Observation> seen = observations.stream().filter(o -> Math.abs(o.ratio() - share) < 0.05
          && o.losses().containsKey(law.set())).toList();
      if (!seen.isEmpty()) {
        XYSeries p = chart.addSeries(String.format(Locale.ROOT, "observed, share %.2f", seen.getFirst().ratio()),
            seen.stream().mapToDouble(Observation::tokens).toArray(),
            seen.stream().mapToDouble(o -> o.losses().get(law.set())).toArray());
        p.setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        p.setMarker(SeriesMarkers.CIRCLE);
        p.setMarkerColor(COLOURS[i]);
      }
    }
    return chart;
  }

  private static XYChart frontier(MixtureLaw domain, MixtureLaw general, long parameters, long tokens) {
    XYChart chart = RunPlots.styledChart("Trade-off: domain loss against general loss over the domain share",
        "predicted " + domain.set() + " loss", "predicted " + general.set() + " loss");
    long[] budgets = {tokens, tokens * 10};
    for (int b = 0; b < budgets.length; b++) {
      double[] x = new double[101];
      double[] y = new double[101];
      for (int i = 0; i <= 100; i++) {
        x[i] = domain.loss(i / 100.0, budgets[b], parameters);
        y[i] = general.loss(i / 100.0, budgets[b], parameters);
      }
      XYSeries s = chart.addSeries(String.format(Locale.ROOT, "%,d tokens, share 0 to 1", budgets[b]), x, y);
      s.setLineColor(COLOURS[b]);
      s.setMarker(SeriesMarkers.NONE);
      double[] mx = new double[SHARES.length];
      double[] my = new double[SHARES.length];
      for (int i = 0; i < SHARES.length; i++) {
        mx[i] = domain.loss(SHARES[i], budgets[b], parameters);
        my[i] = general.loss(SHARES[i], budgets[b], parameters);
      }
      XYSeries m = chart.addSeries(String.format(Locale.ROOT, "%,d tokens, shares 0.1 ... 0.9", budgets[b]), mx, my);
      m.setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
      m.setMarker(SeriesMarkers.DIAMOND);
      m.setMarkerColor(COLOURS[b]);
    }
    return chart;
  }

}
