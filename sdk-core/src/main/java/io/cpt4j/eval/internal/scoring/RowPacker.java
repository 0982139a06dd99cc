package io.cpt4j.eval.internal.scoring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arranges {@link Window}s into forward passes ({@link Layout}s), longest first as
 * lm-evaluation-harness orders its requests. Two arrangements:
 *
 * <ul>
 *   <li>{@link #packed}: {@link Unit}s several a row. {@link #shareContexts} first makes one unit of
 *       the windows that have the same tokens before their first scored position (the choices of a
 *       multiple-choice question: the same context), so that the context is computed once; the
 *       other windows are units alone. A pass's rows are as long as its longest unit; the units go
 *       first-fit into them (first-fit decreasing, since they come longest first); a pass holds
 *       {@code batchTokens / rowLength} rows (at least one) and closes when a unit fits none of
 *       them. Trailing columns no row uses are cut off.
 *   <li>{@link #padded}: one window a row, right-padded to the pass's longest window, {@code
 *       batchTokens / longest} rows a pass (at least one): the harness's own batching.
 * </ul>
 *
 * Stateless; a unit longer than {@code batchTokens} gets a pass of its own.
 */
final class RowPacker {
  private RowPacker() {}

  /** A token sequence as a map key. */
  private record Key(int[] tokens) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(tokens, k.tokens);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(tokens);
    }
  }

  /**
   * The units of {@code windows}: windows with equal tokens before their first scored position (at
   * least one such token) share them as a prefix, split into units of at most {@code maxLength}
   * positions; every other window is a unit alone. In the order of first appearance.
   */
  static List<Unit> shareContexts(List<Window> windows, int maxLength) {
    Map<Key, List<Window>> groups = new LinkedHashMap<>();
    for (Window w : windows) {
      groups.computeIfAbsent(new Key(Arrays.copyOf(w.input(), w.firstScored())), k -> new ArrayList<>()).add(w);
    }
    List<Unit> units = new ArrayList<>();
    groups.forEach((key, members) -> {
      int p = key.tokens().length;
      if (p == 0 || members.size() == 1) {
        members.forEach(w -> units.add(Unit.of(w)));
        return;
      }
      List<Window> part = new ArrayList<>();
      int length = p;
      for (Window w : members) { // each member alone fits (its window is at most maxLength long)
        if (length + w.length() - p > maxLength) {
          units.add(part.size() == 1 ? Unit.of(part.getFirst()) : new Unit(key.tokens(), part));
          part = new ArrayList<>();
          length = p;
        }
        part.add(w);
        length += w.length() - p;
      }
      units.add(part.size() == 1 ? Unit.of(part.getFirst()) : new Unit(key.tokens(), part));
    });
    return units;
  }

  /** {@code windows} longest first; equal lengths keep the caller's order. */
  static List<Window> longestFirst(List<Window> windows) {
    return windows.stream().sorted(Comparator.comparingInt(Window::length).reversed()).toList();
  }

  /** Several units a row (see the class description), longest first. */
  static List<Layout> packed(List<Unit> units, int batchTokens) {
    List<Unit> sorted = units.stream().sorted(Comparator.comparingInt(Unit::length).reversed()).toList();
    List<Layout> passes = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int rowLength = sorted.get(i).length();
      int maxRows = Math.max(1, batchTokens / rowLength);
      int[] fill = new int[Math.min(maxRows, sorted.size() - i)];
      int rows = 0;
      List<Layout.Placement> placed = new ArrayList<>();
      while (i < sorted.size()) {
        Unit u = sorted.get(i);
        int row = 0;
        while (row < rows && fill[row] + u.length() > rowLength) {
          row++;
        }
        if (row == rows) {
          if (rows == fill.length) {
            break; // the pass is full
          }
          rows++;
        }
        placed.add(new Layout.Placement(u, row, fill[row]));
        fill[row] += u.length();
        i++;
      }
      int used = 0;
      for (int r = 0; r < rows; r++) {
        used = Math.max(used, fill[r]);
      }
      passes.add(new Layout(rows, used, placed));
    }
    return passes;
  }

  /** One window a row (see the class description), longest first. */
  static List<Layout> padded(List<Window> windows, int batchTokens) {
    List<Window> sorted = longestFirst(windows);
    List<Layout> passes = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int longest = sorted.get(i).length();
      int rows = Math.min(sorted.size() - i, Math.max(1, batchTokens / longest));
      List<Layout.Placement> placed = new ArrayList<>(rows);
      for (int r = 0; r < rows; r++) {
        placed.add(new Layout.Placement(Unit.of(sorted.get(i + r)), r, 0));
      }
      passes.add(new Layout(rows, longest, placed));
      i += rows;
    }
    return passes;
  }
}
