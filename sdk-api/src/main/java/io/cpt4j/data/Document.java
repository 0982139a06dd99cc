package io.cpt4j.data;

import java.util.Map;
import java.util.Objects;

/**
 * One document read from a {@link Source}: its text, optional metadata (for example a source URL or
 * a domain name, used by metadata conditioning) and where it came from. Immutable.
 *
 * @param text the document's text, never null (may be empty)
 * @param metadata metadata fields, unmodifiable, empty when the source has none
 * @param origin where the document was read: the file relative to the source's root, then {@code #}
 *     and the document's index within that file (0-based), e.g. {@code "2021/biden.txt#0"}; stable
 *     across runs while the file is unchanged, so it identifies the document for splits
 */
public record Document(String text, Map<String, String> metadata, String origin) {
  public Document {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(origin, "origin");
    metadata = Map.copyOf(metadata);
  }
}
