package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.internal.tasks.DocRenderer.Rendered;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The contexts of a task's documents, as the harness's {@code fewshot_context} builds them without
 * a chat template: the rendered description, then {@code k} few-shot examples (each {@code text +
 * target_delimiter + target + fewshot_delimiter}), then the document's text.
 *
 * <p>Few-shot documents: the {@code first_n} sampler takes the split's first ones; the default
 * sampler draws them without replacement with one {@link Random} seeded once per evaluation,
 * documents in order (the harness reseeds {@code random.Random(seed)} once per task and draws
 * with {@code rnd.sample}; Python's generator differs, so the same seed picks other examples).
 * When the few-shot split is the evaluated split one extra is drawn; any drawn document equal to
 * the evaluated one is left out, and the first {@code k} of the rest are used, as in the harness
 * (so a duplicate of the evaluated document in another split leaves it one example short, as
 * there). A split with fewer documents than are drawn is an error, as in the harness.
 * One instance per evaluation; not thread-safe.
 */
final class Prompts {
  private final TaskSpec spec;
  private final DocRenderer renderer;
  private final int k;
  private final Random random;
  private final List<TaskDoc> pool;
  private final Map<Integer, String> examples = new HashMap<>();

  Prompts(TaskSpec spec, DocRenderer renderer, int k, long seed) {
    this.spec = spec;
    this.renderer = renderer;
    this.k = k;
    this.random = new Random(seed);
    this.pool = k > 0 ? spec.data().fewshotDocs().docs() : List.of();
    if (k > 0 && pool.isEmpty()) {
      throw new TaskException(spec.file() + ": num_fewshot " + k + " needs few-shot documents, and split '"
          + spec.data().fewshotSplit() + "' has none");
    }
  }

  /** The context of evaluated document {@code doc}, rendered as {@code r}. */
  String context(TaskDoc doc, Rendered r) {
    StringBuilder ctx = new StringBuilder(r.description());
    if (k > 0) {
      boolean same = spec.data().fewshotIsEval();
      int draw = k + (same ? 1 : 0);
      if (draw > pool.size()) { // Python's rnd.sample raises here, and first_n asserts
        throw new TaskException(spec.file() + ": num_fewshot " + k + " draws " + draw + " few-shot documents"
            + (same ? " (one more than asked, as they come from the evaluated split)" : "") + ", and split '"
            + spec.data().fewshotSplit() + "' has " + pool.size());
      }
      int used = 0;
      for (int i : spec.firstN() ? firstN(draw) : sample(draw)) {
        if (used < k && !pool.get(i).fields().equals(doc.fields())) {
          ctx.append(examples.computeIfAbsent(i, j -> renderer.example(pool.get(j))));
          used++;
        }
      }
    }
    return ctx.append(r.text()).toString();
  }

  private static List<Integer> firstN(int n) {
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  /** {@code n} distinct indexes of the pool in draw order. */
  private List<Integer> sample(int n) {
    int size = pool.size();
    List<Integer> out = new ArrayList<>(n);
    if (2 * n > size) { // most of the pool: a partial Fisher-Yates shuffle
      int[] idx = new int[size];
      for (int i = 0; i < size; i++) {
        idx[i] = i;
      }
      for (int i = 0; i < n; i++) {
        int j = i + random.nextInt(size - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        out.add(idx[i]);
      }
      return out;
    }
    Set<Integer> seen = new HashSet<>();
    while (out.size() < n) { // a few of many: draw and redraw repeats
      int j = random.nextInt(size);
      if (seen.add(j)) {
        out.add(j);
      }
    }
    return out;
  }
}
