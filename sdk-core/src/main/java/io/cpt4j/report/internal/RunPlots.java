package io.cpt4j.report.internal;

import io.cpt4j.files.AtomicFiles;
import io.cpt4j.report.internal.MetricsLog.Eval;
import io.cpt4j.report.internal.MetricsLog.Step;
import io.cpt4j.train.MovingAverage;
import io.cpt4j.train.TrainingException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a run's {@code metrics.jsonl} (read as {@link MetricsLog} describes) into {@code plots/},
 * each chart as PNG and SVG, {@value #WIDTH}×{@value #HEIGHT}, tokens on the x axis:
 *
 * <ul>
 *   <li>{@code loss}: the training loss of every unskipped finite step (thin, light) with its
 *       bias-corrected exponential moving average over about 2 % of the steps (5 to 100 steps,
 *       bold), and every validation set's loss as a line with markers.
 *   <li>{@code validation}: every validation set's loss as a line with markers and, in the same
 *       colour, a dashed horizontal line at its step-0 loss, so forgetting (ending above it) and the
 *       stability gap (a temporary rise above it after re-warming) are visible. Written only when the file
 *       has evaluation lines.
 *   <li>{@code lr}: the learning rate of every step (skipped ones included).
 *   <li>{@code tasks}: every task's accuracies (and exact match) per evaluation, each with a dashed
 *       line at its step-0 value, as {@code validation} draws losses. Written only when the file has
 *       task lines with such metrics.
 * </ul>
 *
 * Series of more than {@value #MAX_POINTS} steps are thinned to every k-th step (the smoothed line
 * is computed over all steps first). Each file is written under a temporary name and renamed, so a
 * reader never sees a partial plot. Rendering is headless: {@code java.awt.headless} is set to true
 * unless it was set already. Every failure (no such file, an unreadable or malformed line, no
 * training loss yet, a plot that cannot be written) is a {@link TrainingException} saying which.
 * Stateless and thread-safe; two calls for the same directory each leave whole files.
 */
public final class RunPlots {
  /** Plot width in pixels (PNG) or points (SVG). */
  public static final int WIDTH = 900;

  /** Plot height in pixels (PNG) or points (SVG). */
  public static final int HEIGHT = 500;

  /** Most points drawn per step series. */
  static final int MAX_POINTS = 2000;

  private static final Color TRAINING_RAW = new Color(0xaec7e8);
  private static final Color TRAINING = new Color(0x1f77b4);
  static final Color[] SETS = {
      new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b),
      new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

  private RunPlots() {}

  /**
   * Reads {@code metricsJsonl} and writes {@code loss}, {@code validation} (when there are
   * evaluations), {@code lr} and {@code tasks} (when there are task scores) as {@code .png} and {@code .svg} into {@code plotsDir}, creating it.
   *
   * @return the files written, in that order
   * @throws TrainingException when the file is missing, unreadable or malformed (other than a cut
   *     last line), has no finite unskipped training loss, or a plot cannot be written
   */
  public static List<Path> write(Path metricsJsonl, Path plotsDir) {
    ensureHeadless();
    MetricsLog log = MetricsLog.read(metricsJsonl);
    List<Step> lossSteps = log.steps().stream().filter(Step::hasLoss).toList();
    if (lossSteps.isEmpty()) {
      throw new TrainingException("no training loss to plot in " + metricsJsonl
          + ": it has no training line with a finite loss of an unskipped step yet");
    }
    TokenAxis axis = TokenAxis.of(log.maxTokens());
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(plotsDir);
      save(lossChart(lossSteps, log.evals(), axis), plotsDir, "loss", written);
      if (log.evals().values().stream().anyMatch(points -> !points.isEmpty())) {
        save(stepZeroChart("Validation loss (dashed: loss at step 0)", "loss (nats per token)", log.evals(),
            log.maxTokens(), axis), plotsDir, "validation", written);
      }
      List<Step> lrSteps = log.steps().stream().filter(s -> Double.isFinite(s.lr())).toList();
      if (!lrSteps.isEmpty()) {
        save(lrChart(lrSteps, axis), plotsDir, "lr", written);
      }
      if (log.tasks().values().stream().anyMatch(points -> !points.isEmpty())) {
        save(stepZeroChart("Task accuracy (dashed: at step 0)", "accuracy", log.tasks(), log.maxTokens(), axis),
            plotsDir, "tasks", written);
      }
    } catch (IOException e) {
      throw new TrainingException("cannot write plots to " + plotsDir + ": " + e.getMessage(), e);
    }
    return List.copyOf(written);
  }

  /** Sets {@code java.awt.headless=true} unless it is set: plots are files, never windows. */
  static void ensureHeadless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static XYChart lossChart(List<Step> steps, Map<String, List<Eval>> evals, TokenAxis axis) {
    int tau = Math.clamp(steps.size() / 50, 5, 100);
    MovingAverage ema = new MovingAverage(1 - 1.0 / tau);
    double[] smoothed = steps.stream().mapToDouble(s -> ema.add(s.loss())).toArray();
    int[] kept = thin(steps.size());
    double[] x = pick(steps, kept, s -> axis.x(s.tokens()));
    boolean single = steps.size() == 1;
    List<Line> lines = new ArrayList<>();
    lines.add(new Line("training", x, pick(steps, kept, Step::loss), TRAINING_RAW, 1f, false, single));
    lines.add(new Line("training (EMA over ~" + tau + " steps)", x, pick(smoothed, kept), TRAINING, 2f, false, single));
    int i = 0;
    for (Map.Entry<String, List<Eval>> set : evals.entrySet()) {
      Color colour = SETS[i++ % SETS.length];
      if (!set.getValue().isEmpty()) {
        lines.add(evalLine("validation: " + set.getKey(), set.getValue(), axis, colour));
      }
    }
    return chart("Training and validation loss", axis, "loss (nats per token)", lines);
  }

  /** Each series as a line with markers and, in its colour, a dashed horizontal line at its step-0 value. */
  private static XYChart stepZeroChart(String title, String yTitle, Map<String, List<Eval>> evals, long maxTokens,
      TokenAxis axis) {
    List<Line> lines = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, List<Eval>> set : evals.entrySet()) {
      Color colour = SETS[i++ % SETS.length];
      List<Eval> points = set.getValue();
      if (points.isEmpty()) {
        continue;
      }
      lines.add(evalLine(set.getKey(), points, axis, colour));
      if (points.getFirst().step() == 0) {
        double y0 = points.getFirst().loss();
        lines.add(new Line(set.getKey() + " at step 0", new double[] {0, axis.x(maxTokens)}, new double[] {y0, y0},
            colour, 1.5f, true, false));
      }
    }
    return chart(title, axis, yTitle, lines);
  }

  private static XYChart lrChart(List<Step> steps, TokenAxis axis) {
    int[] kept = thin(steps.size());
    Line lr = new Line("learning rate", pick(steps, kept, s -> axis.x(s.tokens())), pick(steps, kept, Step::lr),
        TRAINING, 2f, false, steps.size() == 1);
    XYChart chart = chart("Learning-rate schedule", axis, "learning rate", List.of(lr));
    DecimalFormat scientific = new DecimalFormat("0.##E0", DecimalFormatSymbols.getInstance(Locale.ROOT));
    chart.setCustomYAxisTickLabelsFormatter(y -> y == 0 ? "0" : scientific.format(y));
    return chart;
  }

  /** One drawn series: a line, dashed or solid, with or without circle markers. */
  record Line(String name, double[] x, double[] y, Color colour, float width, boolean dashed,
      boolean markers) {}

  private static XYChart chart(String title, TokenAxis axis, String yTitle, List<Line> lines) {
    return chart(title, axis.title(), yTitle, lines);
  }

  /**
   * An empty chart in the house style ({@value #WIDTH}×{@value #HEIGHT}, white, lines by default,
   * legend outside on the right), for the run plots and other plots written with {@link #saveChart}.
   */
  public static XYChart styledChart(String title, String xTitle, String yTitle) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    var styler = chart.getStyler();
    styler.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    styler.setLegendPosition(LegendPosition.OutsideE);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotGridLinesColor(new Color(0xdddddd));
    styler.setLegendBorderColor(new Color(0xbbbbbb));
    styler.setMarkerSize(6);
    styler.setYAxisDecimalPattern("0.0##");
    styler.setXAxisDecimalPattern("#,##0.###");
    return chart;
  }

  /** A white chart of {@code lines}, legend outside on the right, with the range guard. */
  static XYChart chart(String title, String xTitle, String yTitle, List<Line> lines) {
    XYChart chart = styledChart(title, xTitle, yTitle);
    addRangeGuard(chart, lines);
    for (Line line : lines) {
      XYSeries s = chart.addSeries(line.name(), line.x(), line.y());
      s.setLineColor(line.colour());
      s.setLineWidth(line.width());
      if (line.dashed()) {
        s.setLineStyle(new BasicStroke(line.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f));
      }
      s.setMarker(line.markers() ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      s.setMarkerColor(line.colour());
    }
    return chart;
  }

  /**
   * xchart 3.8.8 places an axis's ticks at the data values themselves (giving unreadable labels such
   * as 2.048, 40.96, 79.872) when the distinct values, in the order series were added, look equally
   * spaced — which steps of a fixed batch size always do, and so does any learning-rate curve whose
   * range exceeds 1e-4 (it compares spacings with an absolute tolerance of 1e-4). An invisible first
   * series (max, min) on both axes breaks that pattern, so the ordinary "nice" ticks are used; it
   * spans exactly the data's range, so it changes neither the axes' extent nor the drawing.
   */
  private static void addRangeGuard(XYChart chart, List<Line> lines) {
    double[] x = range(lines.stream().map(Line::x).toList());
    double[] y = range(lines.stream().map(Line::y).toList());
    XYSeries guard = chart.addSeries(" ", new double[] {x[1], x[0]}, new double[] {y[1], y[0]});
    guard.setShowInLegend(false);
    guard.setLineStyle(SeriesLines.NONE);
    guard.setLineColor(new Color(0, 0, 0, 0));
    guard.setMarker(SeriesMarkers.NONE);
  }

  /** {min, max} over all arrays. */
  private static double[] range(List<double[]> arrays) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double[] a : arrays) {
      for (double v : a) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return new double[] {min, max};
  }

  private static Line evalLine(String name, List<Eval> points, TokenAxis axis, Color colour) {
    return new Line(name, points.stream().mapToDouble(e -> axis.x(e.tokens())).toArray(),
        points.stream().mapToDouble(Eval::loss).toArray(), colour, 1.5f, false, true);
  }

  /** Indices 0, k, 2k, … and the last, at most about {@value #MAX_POINTS}. */
  static int[] thin(int n) {
    int stride = Math.max(1, Math.ceilDiv(n, MAX_POINTS));
    int count = Math.ceilDiv(n, stride);
    boolean lastKept = (n - 1) % stride == 0;
    int[] kept = new int[lastKept ? count : count + 1];
    for (int i = 0; i < count; i++) {
      kept[i] = i * stride;
    }
    if (!lastKept) {
      kept[count] = n - 1;
    }
    return kept;
  }

  private static double[] pick(List<Step> steps, int[] kept, ToDoubleFunction<Step> f) {
    double[] out = new double[kept.length];
    for (int i = 0; i < kept.length; i++) {
      out[i] = f.applyAsDouble(steps.get(kept[i]));
    }
    return out;
  }

  private static double[] pick(double[] values, int[] kept) {
    double[] out = new double[kept.length];
    for (int i = 0; i < kept.length; i++) {
      out[i] = values[kept[i]];
    }
    return out;
  }

  /**
   * Writes {@code chart} as {@code dir/name.png} and {@code dir/name.svg} (annotated, each to a
   * temporary name and renamed), for other plots in the house style; returns both paths.
   */
  public static List<Path> saveChart(XYChart chart, Path dir, String name) throws IOException {
    ensureHeadless();
    List<Path> written = new ArrayList<>();
    save(chart, dir, name, written);
    return written;
  }

  static void save(XYChart chart, Path dir, String name, List<Path> written) throws IOException {
    Path png = dir.resolve(name + ".png");
    AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    written.add(png);
    ByteArrayOutputStream svg = new ByteArrayOutputStream();
    VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    Path svgFile = dir.resolve(name + ".svg");
    AtomicFiles.write(svgFile, annotate(svg.toString(StandardCharsets.UTF_8), chart).getBytes(StandardCharsets.UTF_8));
    written.add(svgFile);
  }

  /**
   * xchart draws every text as glyph outlines, so its SVG holds no words. This adds the chart's
   * title, axis titles and legend labels as the SVG's {@code <title>} and {@code <desc>} (read by
   * screen readers and searchable), and drops the DOCTYPE, whose DTD address makes XML tools
   * fetch it from w3.org.
   */
  static String annotate(String svg, XYChart chart) {
    String body = svg.replaceFirst("<!DOCTYPE[^>]*>\\s*", "");
    int open = body.indexOf("<svg");
    int end = open < 0 ? -1 : body.indexOf('>', open);
    if (end < 0) {
      return svg;
    }
    String labels = chart.getSeriesMap().values().stream().filter(XYSeries::isShowInLegend).map(XYSeries::getName)
        .collect(Collectors.joining("; "));
    String meta = "\n  <title>" + xml(chart.getTitle()) + "</title>\n  <desc>x: " + xml(chart.getXAxisTitle())
        + ". y: " + xml(chart.getYAxisTitle()) + ". Legend: " + xml(labels) + ".</desc>";
    return body.substring(0, end + 1) + meta + body.substring(end + 1);
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Tokens shown in a unit that keeps tick labels short. */
  private record TokenAxis(double unit, String title) {
    static TokenAxis of(long maxTokens) {
      if (maxTokens >= 1_000_000_000L) {
        return new TokenAxis(1e9, "tokens (billions)");
      }
      if (maxTokens >= 1_000_000L) {
        return new TokenAxis(1e6, "tokens (millions)");
      }
      if (maxTokens >= 10_000L) {
        return new TokenAxis(1e3, "tokens (thousands)");
      }
      return new TokenAxis(1, "tokens");
    }

    double x(long tokens) {
      return tokens / unit;
    }
  }
}
