package io.cpt4j.data.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A metadata-prefix template such as {@code "URL: {url}\n\n"}: {@code {key}} is replaced by the
 * document's metadata value for {@code key}; a document lacking any key the template uses gets no
 * prefix (an empty rendering). Text outside braces is copied as is; a template without keys
 * renders the same text for every document. Immutable and thread-safe.
 */
final class MetadataTemplate {
  private static final Pattern KEY = Pattern.compile("\\{([^{}]+)}");

  private final List<String> literals = new ArrayList<>(); // literal i precedes key i
  private final List<String> keys = new ArrayList<>();

  MetadataTemplate(String template) {
    Matcher m = KEY.matcher(template);
    int at = 0;
    while (m.find()) {
      literals.add(template.substring(at, m.start()));
      keys.add(m.group(1));
      at = m.end();
    }
    literals.add(template.substring(at));
  }

  /** The keys the template uses, in order of appearance. */
  List<String> keys() {
    return List.copyOf(keys);
  }

  /** The rendering for {@code metadata}, or the empty string when a used key is missing. */
  String render(Map<String, String> metadata) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      String value = metadata.get(keys.get(i));
      if (value == null) {
        return "";
      }
      sb.append(literals.get(i)).append(value);
    }
    return sb.append(literals.get(keys.size())).toString();
  }
}
