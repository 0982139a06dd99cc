package io.cpt4j.merge.internal.methods;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layer position {@code t ∈ [0, 1]} of a tensor, as {@link io.cpt4j.merge.ParamValue} defines it
 * (mergekit's convention, {@code MergePlanner.plan_slice} and {@code _plan}): decoder layer {@code i}
 * of {@code N} is at {@code i / (N − 1)}, or 1 when {@code N = 1}; tensors before the first layer
 * (embeddings) at 0, tensors after the last (final norm, LM head) at 1.
 */
final class LayerPosition {
  private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:layers|h)\\.(\\d+)\\.");
  private static final Pattern BEFORE = Pattern.compile(".*(embed_tokens|embed_in|wte|wpe).*");

  private LayerPosition() {}

  static double of(String tensorName, int numLayers) {
    Matcher m = LAYER.matcher(tensorName);
    if (m.find()) {
      int i = Integer.parseInt(m.group(1));
      return numLayers <= 1 ? 1 : Math.min(1.0, (double) i / (numLayers - 1));
    }
    return BEFORE.matcher(tensorName).matches() ? 0 : 1;
  }
}
