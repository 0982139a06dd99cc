package io.cpt4j.onnx;

import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link OrtModel#forward} call returns: the logits of the new tokens and, for a model
 * exported with the key/value cache, the cache to pass to the next call (the caller owns it and
 * closes it).
 *
 * @param logits logits of the call's tokens
 * @param cache the updated cache; empty for a model without one
 */
public record Forward(Logits logits, Optional<KvCache> cache) {
  public Forward {
    Objects.requireNonNull(logits, "logits");
    Objects.requireNonNull(cache, "cache");
  }
}
