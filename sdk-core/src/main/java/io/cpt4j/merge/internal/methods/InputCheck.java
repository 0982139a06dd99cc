package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.internal.engine.Mismatches;
import io.cpt4j.merge.internal.tokens.VocabularyTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The up-front check of a merge: every input must have the base's architecture and exactly its
 * tensor names and shapes, except that the vocabulary tensors (embeddings and LM head, whose first
 * dimension is the vocabulary) may have different row counts when {@link Merge#vocabularyFrom} is
 * set. Stateless.
 */
final class InputCheck {
  private InputCheck() {}

  /** Whether dimension 0 of tensor {@code name} is the vocabulary ({@link VocabularyTensors#is}). */
  static boolean isVocabularyTensor(String name) {
    return VocabularyTensors.is(name);
  }

  /**
   * How vocabularies compare.
   *
   * @param from the checkpoint whose vocabulary the output takes (the target when they agree)
   * @param differs whether some vocabulary tensor has different row counts across the inputs
   * @param sharedRows per vocabulary tensor, the fewest rows any input has
   */
  record Vocabulary(Checkpoint from, boolean differs, Map<String, Long> sharedRows) {
    /** Elements of {@code t} in the rows all inputs share. */
    long sharedElements(TensorInfo t) {
      long rows = t.shape().getFirst();
      return t.elementCount() / rows * sharedRows.getOrDefault(t.name(), rows);
    }
  }

  /**
   * @throws MergeException listing the first mismatches; a differing vocabulary without {@link
   *     Merge#vocabularyFrom} is reported with the sizes and the fix
   */
  static Vocabulary check(Merge merge) {
    List<String> problems = new ArrayList<>();
    Checkpoint base = merge.base();
    Map<String, TensorInfo> expected = byName(base);
    Map<String, Long> sharedRows = new LinkedHashMap<>();
    for (TensorInfo t : expected.values()) {
      if (isVocabularyTensor(t.name()) && !t.shape().isEmpty()) {
        sharedRows.put(t.name(), t.shape().getFirst());
      }
    }
    boolean differs = false;
    List<Checkpoint> inputs = MergeRun.inputs(merge);
    for (Checkpoint c : inputs.subList(1, inputs.size())) {
      if (c.config().architecture() != base.config().architecture()) {
        problems.add(Mismatches.architectureMismatch(base, c));
        continue;
      }
      Map<String, TensorInfo> found = byName(c);
      List<String> vocabTensors = new ArrayList<>();
      long vocab = 0;
      long baseVocab = 0;
      for (TensorInfo t : expected.values()) {
        TensorInfo f = found.get(t.name());
        if (f == null) {
          problems.add(Mismatches.missing(t, c));
        } else if (f.dtype().isFloatingPoint() != t.dtype().isFloatingPoint()) {
          problems.add(Mismatches.dtypeMismatch(t, f, c));
        } else if (!f.shape().equals(t.shape())) {
          if (sharedRows.containsKey(t.name()) && f.shape().size() == t.shape().size()
              && f.shape().subList(1, f.shape().size()).equals(t.shape().subList(1, t.shape().size()))) {
            vocabTensors.add(t.name());
            vocab = f.shape().getFirst();
            baseVocab = t.shape().getFirst();
            sharedRows.merge(t.name(), vocab, Math::min);
          } else {
            problems.add(Mismatches.shapeMismatch(t, f, c));
          }
        }
      }
      Mismatches.addExtraTensors(expected, found, c, problems);
      if (!vocabTensors.isEmpty()) {
        differs = true;
        if (merge.vocabularyFrom().isEmpty()) {
          problems.add("the vocabulary size differs (" + vocab + " in " + c.directory() + " vs " + baseVocab
              + " in the base " + base.directory() + ", tensors " + String.join(", ", vocabTensors)
              + "): use vocabularyFrom(checkpoint) to merge the shared rows and take that checkpoint's vocabulary");
        }
      }
    }
    Checkpoint from = merge.target();
    if (merge.vocabularyFrom().isPresent() && differs) {
      Checkpoint v = merge.vocabularyFrom().get();
      from = inputs.stream().filter(c -> c == v || c.directory().equals(v.directory())).findFirst().orElse(null);
      if (from == null) {
        problems.add("vocabularyFrom " + v.directory() + " is not one of the merged checkpoints");
      }
    }
    Mismatches.fail("cannot " + merge.method().name() + ": the checkpoints do not match", problems);
    return new Vocabulary(from, differs, Map.copyOf(sharedRows));
  }

  private static Map<String, TensorInfo> byName(Checkpoint c) {
    return Mismatches.byName(c.tensors());
  }
}
