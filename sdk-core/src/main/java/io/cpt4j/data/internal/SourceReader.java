package io.cpt4j.data.internal;

import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import java.util.stream.Stream;

/** Reads a {@link Source}'s documents. STUB: to be implemented. */
public final class SourceReader {
  private SourceReader() {}

  public static Stream<Document> documents(Source source) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static String fingerprint(Source source) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
