package io.cpt4j.merge.internal.analytics;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.SimilarityReport;
import io.cpt4j.merge.TaskVector;
import io.cpt4j.merge.VectorSimilarity;
import io.cpt4j.merge.internal.engine.Mismatches;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import io.cpt4j.merge.internal.vectors.TaskVectorAlgebra;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Computes a {@link SimilarityReport}: per tensor (in parallel), the top-k thresholds of each vector
 * by streaming selection, then one pass over all vectors' chunks accumulating norms, dot products,
 * sign counts and top-k intersections/unions in float64; layers and the whole model pool the
 * tensors' sums. Memory: one chunk per vector per thread. Stateless.
 */
public final class SimilarityRun {
  private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:layers|h)\\.(\\d+)\\.");
  private static final Pattern EMBEDDING = Pattern.compile(".*(embed_tokens|embed_in|wte|wpe).*");

  /** Elements per chunk of the accumulating pass. */
  static final int CHUNK = 1 << 20;

  private SimilarityRun() {}

  /** Sums over a group of entries; pairs indexed {@code [i][j]} with {@code i < j}. */
  static final class Sums {
    final String name;
    long elements;
    final double[] squares;
    final double[][] dot;
    final long[][] bothNonZero;
    final long[][] sameSign;
    final long[][] intersection;
    final long[][] union;

    Sums(String name, int m) {
      this.name = name;
      squares = new double[m];
      dot = new double[m][m];
      bothNonZero = new long[m][m];
      sameSign = new long[m][m];
      intersection = new long[m][m];
      union = new long[m][m];
    }

    void add(Sums o) {
      elements += o.elements;
      int m = squares.length;
      for (int i = 0; i < m; i++) {
        squares[i] += o.squares[i];
        for (int j = 0; j < m; j++) {
          dot[i][j] += o.dot[i][j];
          bothNonZero[i][j] += o.bothNonZero[i][j];
          sameSign[i][j] += o.sameSign[i][j];
          intersection[i][j] += o.intersection[i][j];
          union[i][j] += o.union[i][j];
        }
      }
    }

    SimilarityReport.Group toGroup() {
      int m = squares.length;
      List<Double> norms = new ArrayList<>();
      for (double s : squares) {
        norms.add(Math.sqrt(s));
      }
      List<SimilarityReport.Pair> pairs = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        for (int j = i + 1; j < m; j++) {
          double denom = Math.sqrt(squares[i]) * Math.sqrt(squares[j]);
          double cos = denom == 0 ? Double.NaN : Math.clamp(dot[i][j] / denom, -1.0, 1.0);
          double sign = bothNonZero[i][j] == 0 ? Double.NaN : (double) sameSign[i][j] / bothNonZero[i][j];
          double overlap = union[i][j] == 0 ? Double.NaN : (double) intersection[i][j] / union[i][j];
          pairs.add(new SimilarityReport.Pair(i, j, cos, sign, overlap, bothNonZero[i][j]));
        }
      }
      return new SimilarityReport.Group(name, elements, norms, pairs);
    }
  }

  public static SimilarityReport run(VectorSimilarity s) {
    List<TaskVector> vectors = s.vectors();
    int m = vectors.size();
    List<Map<String, TensorInfo>> sets = vectors.stream().map(TaskVectorAlgebra::tensors).toList();
    List<String> problems = new ArrayList<>();
    Map<String, TensorInfo> first = sets.getFirst();
    for (int v = 1; v < m; v++) {
      Map<String, TensorInfo> other = sets.get(v);
      String label = s.labels().get(v);
      for (TensorInfo t : first.values()) {
        TensorInfo o = other.get(t.name());
        if (o == null) {
          problems.add(label + " has no tensor " + t.name());
        } else if (!o.shape().equals(t.shape())) {
          problems.add(t.name() + " has shape " + o.shape() + " in " + label + ", " + t.shape() + " in "
              + s.labels().getFirst());
        }
      }
      for (String name : other.keySet()) {
        if (!first.containsKey(name)) {
          problems.add(label + " has tensor " + name + ", which " + s.labels().getFirst() + " lacks");
        }
      }
    }
    Mismatches.fail("cannot compare the task vectors: their tensors differ", problems);

    List<TensorInfo> infos = List.copyOf(first.values());
    Sums[] perTensor = new Sums[infos.size()];
    IntStream.range(0, infos.size()).parallel().forEach(i -> {
      TensorInfo info = infos.get(i);
      List<Tensor> tensors = vectors.stream().map(v -> TaskVectorAlgebra.tensor(v, info)).toList();
      perTensor[i] = tensorSums(info, tensors, s.topFraction());
    });

    Sums overall = new Sums("all", m);
    Sums embeddings = new Sums("embeddings", m);
    Sums head = new Sums("head", m);
    java.util.TreeMap<Integer, Sums> numbered = new java.util.TreeMap<>();
    for (Sums t : perTensor) {
      overall.add(t);
      Matcher lm = LAYER.matcher(t.name);
      if (lm.find()) {
        int layer = Integer.parseInt(lm.group(1));
        numbered.computeIfAbsent(layer, l -> new Sums("layer " + l, m)).add(t);
      } else if (EMBEDDING.matcher(t.name).matches()) {
        embeddings.add(t);
      } else {
        head.add(t);
      }
    }
    List<SimilarityReport.Group> layerGroups = new ArrayList<>();
    if (embeddings.elements > 0) {
      layerGroups.add(embeddings.toGroup());
    }
    numbered.values().forEach(l -> layerGroups.add(l.toGroup()));
    if (head.elements > 0) {
      layerGroups.add(head.toGroup());
    }
    List<SimilarityReport.Group> tensorGroups = new ArrayList<>();
    for (Sums t : perTensor) {
      tensorGroups.add(t.toGroup());
    }
    return new SimilarityReport(s.labels(), s.topFraction(), overall.toGroup(), layerGroups, tensorGroups);
  }

  /** The sums of one tensor of every vector. */
  static Sums tensorSums(TensorInfo info, List<Tensor> tensors, double topFraction) {
    int m = tensors.size();
    long n = info.elementCount();
    long k = MagnitudeSelect.topCount(topFraction, n);
    int[] thresholdBits = new int[m];
    long[] equalToKeep = new long[m];
    for (int v = 0; v < m; v++) {
      if (k == 0) {
        thresholdBits[v] = Integer.MAX_VALUE; // nothing is above it, and nothing equal is kept
        continue;
      }
      Tensor t = tensors.get(v);
      MagnitudeSelect.Threshold th =
          MagnitudeSelect.kthLargest((from, len, dst, scratch) -> t.readFloats(from, dst[0], 0, len), n, k);
      thresholdBits[v] = MagnitudeSelect.magnitudeBits(th.magnitude());
      equalToKeep[v] = th.equalToKeep(k);
    }
    Sums sums = new Sums(info.name(), m);
    sums.elements = n;
    int chunk = (int) Math.min(CHUNK, Math.max(1, n));
    float[][] x = new float[m][chunk];
    long[] equalsSeen = new long[m];
    boolean[] top = new boolean[m];
    for (long e = 0; e < n; e += chunk) {
      int len = (int) Math.min(chunk, n - e);
      for (int v = 0; v < m; v++) {
        tensors.get(v).readFloats(e, x[v], 0, len);
      }
      for (int i = 0; i < len; i++) {
        for (int a = 0; a < m; a++) {
          float va = x[a][i];
          sums.squares[a] += (double) va * va;
          int bits = MagnitudeSelect.magnitudeBits(va);
          boolean selected = bits > thresholdBits[a] || (bits == thresholdBits[a] && equalsSeen[a]++ < equalToKeep[a]);
          top[a] = selected && bits != 0; // zeros never count as top entries
        }
        for (int a = 0; a < m; a++) {
          float va = x[a][i];
          for (int b = a + 1; b < m; b++) {
            float vb = x[b][i];
            sums.dot[a][b] += (double) va * vb;
            if (va != 0 && vb != 0) {
              sums.bothNonZero[a][b]++;
              if ((va > 0) == (vb > 0)) {
                sums.sameSign[a][b]++;
              }
            }
            if (top[a] && top[b]) {
              sums.intersection[a][b]++;
            }
            if (top[a] || top[b]) {
              sums.union[a][b]++;
            }
          }
        }
      }
    }
    return sums;
  }
}
