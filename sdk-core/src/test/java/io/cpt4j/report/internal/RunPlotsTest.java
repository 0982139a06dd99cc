package io.cpt4j.report.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.train.TrainingException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class RunPlotsTest {
  @TempDir
  Path dir;

  private Path plots() {
    return dir.resolve("plots");
  }

  @Test
  void writesLossValidationAndLrPlotsAsPngAndSvg() throws IOException {
    Path metrics = MetricsFiles.write(dir.resolve("metrics.jsonl"), 200, 20);

    List<Path> written = RunPlots.write(metrics, plots());

    assertThat(written).containsExactly(plots().resolve("loss.png"), plots().resolve("loss.svg"),
        plots().resolve("validation.png"), plots().resolve("validation.svg"), plots().resolve("lr.png"),
        plots().resolve("lr.svg"));
    assertThat(names(plots())).containsExactlyInAnyOrder("loss.png", "loss.svg", "validation.png",
        "validation.svg", "lr.png", "lr.svg");
    assertThat(System.getProperty("java.awt.headless")).isEqualTo("true");
  }

  @Test
  void pngsAreFullSizeAndDrawEverySeriesInItsColour() throws IOException {
    RunPlots.write(MetricsFiles.write(dir.resolve("metrics.jsonl"), 200, 20), plots());

    BufferedImage loss = png("loss.png");
    BufferedImage validation = png("validation.png");
    BufferedImage lr = png("lr.png");

    for (BufferedImage image : List.of(loss, validation, lr)) {
      assertThat(image.getWidth()).isEqualTo(RunPlots.WIDTH);
      assertThat(image.getHeight()).isEqualTo(RunPlots.HEIGHT);
      assertThat(pixelsNot(image, 0xffffff)).isGreaterThan(image.getWidth() * image.getHeight() / 100);
    }
    int blue = 0x1f77b4;
    int orange = 0xff7f0e; // first validation set ("general")
    int green = 0x2ca02c; // second ("code")
    assertThat(pixels(loss, blue)).isGreaterThan(100);
    assertThat(pixels(loss, orange)).isGreaterThan(20);
    assertThat(pixels(loss, green)).isGreaterThan(20);
    assertThat(pixels(validation, orange)).isGreaterThan(100); // markers, lines and the dashed step-0 line
    assertThat(pixels(validation, green)).isGreaterThan(100);
    assertThat(pixels(lr, blue)).isGreaterThan(100);
  }

  @Test
  void svgsAreXmlNamingTheTitleAxesAndEverySeries() throws Exception {
    RunPlots.write(MetricsFiles.write(dir.resolve("metrics.jsonl"), 200, 20), plots());

    Document loss = svg("loss.svg");
    Document validation = svg("validation.svg");
    Document lr = svg("lr.svg");

    assertThat(loss.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(text(loss, "title")).isEqualTo("Training and validation loss");
    assertThat(text(loss, "desc")).contains("tokens (thousands)", "loss (nats per token)", "training;",
        "training (EMA over ~5 steps)", "validation: general", "validation: code");
    assertThat(text(validation, "desc")).contains("general", "general at step 0", "code", "code at step 0");
    assertThat(text(lr, "title")).isEqualTo("Learning-rate schedule");
    assertThat(text(lr, "desc")).contains("learning rate");
    assertThat(loss.getElementsByTagName("path").getLength()).isGreaterThan(10);
    assertThat(Files.readString(plots().resolve("loss.svg"))).contains("<svg").doesNotContain("<!DOCTYPE");
  }

  @Test
  void withoutEvaluationsOnlyLossAndLrAreWritten() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int s = 1; s <= 30; s++) {
      lines.add(MetricsFiles.trainingLine(s, 30));
    }
    Path metrics = Files.write(dir.resolve("metrics.jsonl"), lines);

    List<Path> written = RunPlots.write(metrics, plots());

    assertThat(written).extracting(p -> p.getFileName().toString())
        .containsExactly("loss.png", "loss.svg", "lr.png", "lr.svg");
    assertThat(png("loss.png").getWidth()).isEqualTo(RunPlots.WIDTH);
  }

  @Test
  void oneTrainingLineIsEnough() throws IOException {
    Path metrics = Files.writeString(dir.resolve("metrics.jsonl"),
        MetricsFiles.evalLine(0) + "\n" + MetricsFiles.trainingLine(1, 10) + "\n");

    List<Path> written = RunPlots.write(metrics, plots());

    assertThat(written).hasSize(6);
    assertThat(pixels(png("loss.png"), 0x1f77b4)).isGreaterThan(5); // the lone step is a marker
    assertThat(pixels(png("lr.png"), 0x1f77b4)).isGreaterThan(5);
  }

  @Test
  void rewritingReplacesThePlotsAndLeavesNoTemporaryFiles() throws IOException {
    Path metrics = MetricsFiles.write(dir.resolve("metrics.jsonl"), 40, 20);
    RunPlots.write(metrics, plots());
    byte[] before = Files.readAllBytes(plots().resolve("loss.png"));

    RunPlots.write(MetricsFiles.write(metrics, 200, 20), plots());

    assertThat(Files.readAllBytes(plots().resolve("loss.png"))).isNotEqualTo(before);
    assertThat(names(plots())).hasSize(6).allMatch(name -> !name.startsWith("."));
  }

  @Test
  void aHundredThousandStepsAreThinnedToSmallFiles() throws Exception {
    int n = 100_000;
    List<String> lines = new ArrayList<>(n + 20);
    for (int s = 0; s <= n; s++) {
      if (s > 0) {
        lines.add(MetricsFiles.trainingLine(s, n));
      }
      if (s % 10_000 == 0) {
        lines.add(MetricsFiles.evalLine(s));
      }
    }
    Path metrics = Files.write(dir.resolve("metrics.jsonl"), lines);

    List<Path> written = RunPlots.write(metrics, plots());

    assertThat(written).hasSize(6);
    for (Path file : written) {
      assertThat(Files.size(file)).as(file.toString()).isLessThan(2_000_000);
    }
    assertThat(text(svg("loss.svg"), "desc")).contains("tokens (millions)", "EMA over ~100 steps");
  }

  @Test
  void aMissingFileIsATrainingExceptionNamingIt() {
    Path missing = dir.resolve("runs/x/metrics.jsonl");

    assertThatThrownBy(() -> RunPlots.write(missing, plots()))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
    assertThat(plots()).doesNotExist();
  }

  @Test
  void aFileWithoutTrainingLossIsATrainingException() throws IOException {
    Path onlyEval = Files.writeString(dir.resolve("metrics.jsonl"), MetricsFiles.evalLine(0) + "\n");
    Path onlySkipped = Files.writeString(dir.resolve("skipped.jsonl"),
        "{\"step\": 1, \"tokens\": 2048, \"lr\": 1e-5, \"loss\": \"NaN\", \"skipped\": true}\n");

    assertThatThrownBy(() -> RunPlots.write(onlyEval, plots()))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("no training loss to plot in " + onlyEval);
    assertThatThrownBy(() -> RunPlots.write(onlySkipped, plots()))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("no training loss");
  }

  @Test
  void aMalformedLineBeforeTheLastIsATrainingExceptionWithItsLineNumber() throws IOException {
    Path metrics = Files.writeString(dir.resolve("metrics.jsonl"), MetricsFiles.trainingLine(1, 3) + "\n"
        + "{\"step\": 2, \"tok\n" + MetricsFiles.trainingLine(3, 3) + "\n");

    assertThatThrownBy(() -> RunPlots.write(metrics, plots()))
        .isInstanceOf(TrainingException.class)
        .hasMessageStartingWith(metrics + " line 2: not a JSON object");
  }

  @Test
  void thinningKeepsTheFirstAndLastStepAndAtMostAboutTwoThousand() {
    for (int n : new int[] {1, 2, 1999, 2000, 2001, 4001, 100_000, 123_457}) {
      int[] kept = RunPlots.thin(n);
      assertThat(kept[0]).isZero();
      assertThat(kept[kept.length - 1]).isEqualTo(n - 1);
      assertThat(kept.length).isLessThanOrEqualTo(RunPlots.MAX_POINTS + 1);
      assertThat(kept).isSorted().doesNotHaveDuplicates();
      if (n <= RunPlots.MAX_POINTS) {
        assertThat(kept).hasSize(n);
      }
    }
  }

  private BufferedImage png(String name) throws IOException {
    BufferedImage image = ImageIO.read(plots().resolve(name).toFile());
    assertThat(image).as(name).isNotNull();
    return image;
  }

  private Document svg(String name) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(plots().resolve(name).toFile());
  }

  private static String text(Document doc, String tag) {
    assertThat(doc.getElementsByTagName(tag).getLength()).as("<%s> elements", tag).isEqualTo(1);
    return doc.getElementsByTagName(tag).item(0).getTextContent();
  }

  private static int pixels(BufferedImage image, int rgb) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xffffff) == rgb) {
          count++;
        }
      }
    }
    return count;
  }

  private static int pixelsNot(BufferedImage image, int rgb) {
    return image.getWidth() * image.getHeight() - pixels(image, rgb);
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
