package io.cpt4j.eval.internal.tasks;

import java.nio.file.Path;
import java.util.Map;

/**
 * One document of a task's data: its fields (strings, numbers, booleans, null, lists and maps, as
 * read from JSON; a field other documents of the split have and this one lacks holds null, as in a
 * Hugging Face dataset), and where it was read. Immutable by convention (the map is not copied).
 *
 * @param fields the document's fields, in file order
 * @param file the data file
 * @param line its line in the file (1-based)
 */
record TaskDoc(Map<String, Object> fields, Path file, int line) {

  /** {@code file:line}, for messages. */
  String where() {
    return file + ":" + line;
  }
}
