package io.cpt4j.spark.internal;

import java.util.Arrays;

/**
 * The In-Context Pretraining traversal (Shi et al. 2023, Algorithm 1) over a similarity graph of
 * documents {@code 0 .. n-1}: start at the unvisited document of smallest degree, repeatedly move to
 * the most similar unvisited neighbour, and when none is left jump to the next unvisited document of
 * smallest degree. Ties go to the smaller index (indices are ranks of stable ids), so the path
 * depends only on the graph. Every document is visited exactly once. O(n log n + edges); not
 * thread-safe.
 */
final class GreedyPath {
  /** The visiting order (document indices), the jumps taken after the start, and the similarity summed over steps. */
  record Path(int[] order, long jumps, double similaritySum) {
    /** Mean similarity of consecutive documents joined by an edge (0 when every step was a jump). */
    double meanSimilarity() {
      long steps = order.length - 1 - jumps;
      return steps > 0 ? similaritySum / steps : 0;
    }
  }

  private GreedyPath() {}

  /**
   * The path over {@code n} documents and undirected edges {@code (a[e], b[e], similarity[e])}
   * (duplicates and both directions allowed; the larger similarity of duplicates counts).
   */
  static Path of(int n, int[] a, int[] b, double[] similarity) {
    // adjacency in CSR form: both directions of every edge
    int[] degree = new int[n];
    for (int e = 0; e < a.length; e++) {
      degree[a[e]]++;
      degree[b[e]]++;
    }
    int[] start = new int[n + 1];
    for (int v = 0; v < n; v++) {
      start[v + 1] = start[v] + degree[v];
    }
    long[] packed = new long[start[n]]; // per neighbour: similarity rank high, neighbour low, sorted per node
    int[] fill = Arrays.copyOf(start, n);
    for (int e = 0; e < a.length; e++) {
      packed[fill[a[e]]++] = key(similarity[e], b[e]);
      packed[fill[b[e]]++] = key(similarity[e], a[e]);
    }
    for (int v = 0; v < n; v++) {
      Arrays.sort(packed, start[v], start[v + 1]); // most similar first, then smaller index
    }
    Integer[] byDegree = new Integer[n];
    for (int v = 0; v < n; v++) {
      byDegree[v] = v;
    }
    Arrays.sort(byDegree, (x, y) -> degree[x] != degree[y] ? Integer.compare(degree[x], degree[y])
        : Integer.compare(x, y));

    boolean[] visited = new boolean[n];
    int[] order = new int[n];
    int[] cursor = Arrays.copyOf(start, n); // each node's adjacency is scanned once, when the path leaves it
    long jumps = 0;
    double sum = 0;
    int next = 0; // position in byDegree
    int at = -1;
    for (int k = 0; k < n; k++) {
      int to = -1;
      if (at >= 0) {
        while (cursor[at] < start[at + 1] && visited[(int) packed[cursor[at]]]) {
          cursor[at]++;
        }
        if (cursor[at] < start[at + 1]) {
          to = (int) packed[cursor[at]];
          sum += similarityOf(packed[cursor[at]]);
        }
      }
      if (to < 0) {
        while (visited[byDegree[next]]) {
          next++;
        }
        to = byDegree[next];
        jumps += at >= 0 ? 1 : 0;
      }
      visited[to] = true;
      order[k] = to;
      at = to;
    }
    return new Path(order, jumps, sum);
  }

  private static final long SCALE = 1L << 30;

  /** Sorts ascending by descending similarity (quantised to 2^-30), then ascending neighbour. */
  private static long key(double similarity, int neighbour) {
    long q = Math.round(Math.max(0, Math.min(1, similarity)) * SCALE);
    return (SCALE - q) << 32 | neighbour;
  }

  private static double similarityOf(long key) {
    return (SCALE - (key >>> 32)) / (double) SCALE;
  }
}
