package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.List;

/**
 * The checks of a {@link Merge} given as {@link Merge#slices}, made when the merge is built, before
 * anything is read or written: no {@code models} besides the slices, no other target, every layer
 * range inside its model, and in every slice the base (for methods that take task vectors against
 * it) and the number of models the method allows. Stateless.
 */
final class MergeSlices {
  private MergeSlices() {}

  static void check(MergeMethod method, Checkpoint base, List<MergeInput> models, Checkpoint target,
      List<MergeSlice> slices) {
    if (!models.isEmpty()) {
      throw new MergeException("a merge has either models or slices, not both (got " + models.size()
          + " models and " + slices.size() + " slices): list every input under the slices' sources");
    }
    if (target != base) {
      throw new MergeException("slices take config and unmerged files from the base; onto(" + target.directory()
          + ") is not supported with slices");
    }
    MethodDeclaration d = method.declaration();
    for (int i = 0; i < slices.size(); i++) {
      List<MergeSlice.Source> sources = slices.get(i).sources();
      boolean hasBase = false;
      for (int k = 0; k < sources.size(); k++) {
        MergeSlice.Source s = sources.get(k);
        int layers = s.input().checkpoint().config().numLayers();
        if (s.end() > layers) {
          throw new MergeException("slices[" + i + "].sources[" + k + "]: " + s + " is outside the model's " + layers
              + " layers");
        }
        hasBase |= isBase(s, base);
      }
      if (d.baseRole() == MethodDeclaration.BaseRole.REFERENCE && !hasBase) {
        throw new MergeException("slices[" + i + "]: " + d.name() + " takes task vectors against the base, so "
            + base.directory() + " must be one of the slice's sources");
      }
      boolean reference = hasBase && (d.baseRole() == MethodDeclaration.BaseRole.REFERENCE
          || d.baseRole() == MethodDeclaration.BaseRole.OPTIONAL_REFERENCE);
      int count = sources.size() - (reference ? 1 : 0);
      if (!d.models().allows(count)) {
        throw new MergeException("slices[" + i + "]: " + d.name() + " takes " + switch (d.models()) {
          case EXACTLY_ONE -> "exactly one model";
          case EXACTLY_TWO -> "exactly two models";
          case AT_LEAST_TWO -> "at least two models";
          case AT_LEAST_ONE -> "at least one model";
        } + (reference ? " besides the base" : "") + " per slice, got " + count);
      }
    }
  }

  /** Whether a source is a range of the base. */
  static boolean isBase(MergeSlice.Source s, Checkpoint base) {
    return s.input().checkpoint() == base || s.input().checkpoint().directory().equals(base.directory());
  }
}
