package io.cpt4j.eval.internal.scoring;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Arranges {@link Window}s into forward passes ({@link Layout}s), longest window first as
 * lm-evaluation-harness orders its requests. Two arrangements:
 *
 * <ul>
 *   <li>{@link #packed}: several windows a row (prepacking). Each pass's row length is its longest
 *       window or {@code rowTarget}, whichever is longer, at most {@code maxLength}; the windows go
 *       first-fit into the pass's rows (first-fit decreasing, since they come longest first); a
 *       pass holds {@code batchTokens / rowLength} rows (at least one) and closes when a window
 *       fits none of them. Trailing columns no row uses are cut off.
 *   <li>{@link #padded}: one window a row, right-padded to the pass's longest window, {@code
 *       batchTokens / longest} rows a pass (at least one): the harness's own batching.
 * </ul>
 *
 * Stateless; a window longer than {@code batchTokens} gets a pass of its own.
 */
final class RowPacker {
  private RowPacker() {}

  /** {@code windows} longest first; equal lengths keep the caller's order. */
  static List<Window> longestFirst(List<Window> windows) {
    return windows.stream().sorted(Comparator.comparingInt(Window::length).reversed()).toList();
  }

  /** Several windows a row (see the class description); {@code sorted} longest first. */
  static List<Layout> packed(List<Window> sorted, int maxLength, int batchTokens, int rowTarget) {
    List<Layout> passes = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int rowLength = Math.max(sorted.get(i).length(), Math.min(maxLength, Math.min(batchTokens, rowTarget)));
      int maxRows = Math.max(1, batchTokens / rowLength);
      int[] fill = new int[maxRows];
      int rows = 0;
      List<Layout.Placement> placed = new ArrayList<>();
      while (i < sorted.size()) {
        Window w = sorted.get(i);
        int row = 0;
        while (row < rows && fill[row] + w.length() > rowLength) {
          row++;
        }
        if (row == rows) {
          if (rows == maxRows) {
            break; // the pass is full
          }
          rows++;
        }
        placed.add(new Layout.Placement(w, row, fill[row]));
        fill[row] += w.length();
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

  /** One window a row (see the class description); {@code sorted} longest first. */
  static List<Layout> padded(List<Window> sorted, int batchTokens) {
    List<Layout> passes = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int longest = sorted.get(i).length();
      int rows = Math.min(sorted.size() - i, Math.max(1, batchTokens / longest));
      List<Layout.Placement> placed = new ArrayList<>(rows);
      for (int r = 0; r < rows; r++) {
        placed.add(new Layout.Placement(sorted.get(i + r), r, 0));
      }
      passes.add(new Layout(rows, longest, placed));
      i += rows;
    }
    return passes;
  }
}
