package io.cpt4j.merge.internal.analytics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.merge.SimilarityReport;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/** JSON and text renderings of a {@link SimilarityReport}. Stateless and thread-safe. */
public final class SimilarityFormat {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SimilarityFormat() {}

  /**
   * {@code {"labels": [...], "top_fraction": f, "overall": GROUP, "layers": [GROUP...], "tensors":
   * [GROUP...]}} with GROUP {@code {"name", "elements", "norms": {label: x}, "pairs": [{"a", "b",
   * "cosine", "sign_agreement", "top_overlap", "both_nonzero"}]}}; NaN as null.
   */
  public static String json(SimilarityReport r) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode labels = root.putArray("labels");
    r.labels().forEach(labels::add);
    root.put("top_fraction", r.topFraction());
    root.set("overall", group(r, r.overall()));
    ArrayNode layers = root.putArray("layers");
    r.layers().forEach(g -> layers.add(group(r, g)));
    ArrayNode tensors = root.putArray("tensors");
    r.tensors().forEach(g -> tensors.add(group(r, g)));
    try {
      return JSON.writeValueAsString(root) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode group(SimilarityReport r, SimilarityReport.Group g) {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", g.name());
    n.put("elements", g.elements());
    ObjectNode norms = n.putObject("norms");
    for (int i = 0; i < g.norms().size(); i++) {
      putNumber(norms, r.labels().get(i), g.norms().get(i));
    }
    ArrayNode pairs = n.putArray("pairs");
    for (SimilarityReport.Pair p : g.pairs()) {
      ObjectNode o = pairs.addObject();
      o.put("a", r.labels().get(p.first()));
      o.put("b", r.labels().get(p.second()));
      putNumber(o, "cosine", p.cosine());
      putNumber(o, "sign_agreement", p.signAgreement());
      putNumber(o, "top_overlap", p.topOverlap());
      o.put("both_nonzero", p.bothNonZero());
    }
    return n;
  }

  private static void putNumber(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.putNull(key);
    }
  }

  /** Norms per group, then cosine / sign agreement / top-k overlap per group and pair. */
  public static String table(SimilarityReport r) {
    StringBuilder out = new StringBuilder();
    List<SimilarityReport.Group> groups = new java.util.ArrayList<>();
    groups.add(r.overall());
    groups.addAll(r.layers());
    int nameWidth = Math.max(10, groups.stream().mapToInt(g -> g.name().length()).max().orElse(0));
    int labelWidth = Math.max(12, r.labels().stream().mapToInt(String::length).max().orElse(0));
    out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %14s", "group", "elements"));
    r.labels().forEach(l -> out.append(String.format(Locale.ROOT, " %" + labelWidth + "s", "|" + l + "|")));
    out.append('\n');
    for (SimilarityReport.Group g : groups) {
      out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %14d", g.name(), g.elements()));
      g.norms().forEach(x -> out.append(String.format(Locale.ROOT, " %" + labelWidth + "s", number(x))));
      out.append('\n');
    }
    out.append('\n');
    String pct = String.format(Locale.ROOT, "top-%s%% overlap", trim(100 * r.topFraction()));
    int pairWidth = Math.max(8, 2 * labelWidth + 3);
    out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %-" + pairWidth + "s %9s %9s %17s%n", "group", "pair",
        "cosine", "sign agr.", pct));
    for (SimilarityReport.Group g : groups) {
      for (SimilarityReport.Pair p : g.pairs()) {
        String pair = r.labels().get(p.first()) + " ~ " + r.labels().get(p.second());
        out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %-" + pairWidth + "s %9s %9s %17s%n", g.name(),
            pair, number(p.cosine()), number(p.signAgreement()), number(p.topOverlap())));
      }
    }
    return out.toString();
  }

  private static String number(double x) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    return Math.abs(x) >= 1e5 || (x != 0 && Math.abs(x) < 1e-3)
        ? String.format(Locale.ROOT, "%.3e", x) : String.format(Locale.ROOT, "%.4f", x);
  }

  private static String trim(double x) {
    String s = String.format(Locale.ROOT, "%.4f", x);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
