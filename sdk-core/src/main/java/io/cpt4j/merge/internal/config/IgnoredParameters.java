package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.merge.MergeParameter;
import io.cpt4j.merge.MethodDeclaration;
import io.cpt4j.merge.internal.config.MergeConfigParams.Bad;
import io.cpt4j.yaml.internal.YamlScan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parameter keys of one merge config, checked against its method's declaration as mergekit reads
 * them: a parameter the method does not declare is ignored (mergekit reads only the parameters a
 * method declares, so a {@code density} left in a {@code linear} config is harmless there) and
 * reported in one warning that names every such key and its lines; a parameter the method declares
 * but does not take at that place (a global one under {@code models[].parameters}) is an error. Not
 * thread-safe: one instance reads one file.
 */
final class IgnoredParameters {
  private final MethodDeclaration method;
  /** Ignored parameter name → the key paths it was found at, in file order. */
  private final Map<String, List<String>> ignored = new LinkedHashMap<>();

  IgnoredParameters(MethodDeclaration method) {
    this.method = method;
  }

  /**
   * Checks the keys of the parameters mapping at {@code at}, which may hold {@code allowed}.
   *
   * @throws Bad for a declared parameter given where the method does not take it
   */
  void check(JsonNode params, String at, Collection<String> allowed) {
    params.fieldNames().forEachRemaining(k -> {
      if (allowed.contains(k)) {
        return;
      }
      String path = YamlScan.join(at, k);
      Optional<MergeParameter> declared = method.parameter(k);
      if (declared.isPresent()) {
        throw new Bad(path, method.name() + " takes '" + k + "' only under the top-level parameters "
            + "(one value for the merge), not per model");
      }
      ignored.computeIfAbsent(k, x -> new ArrayList<>()).add(path);
    });
  }

  /**
   * The one warning for the ignored keys, e.g. {@code merge.yaml: linear does not take density (lines
   * 6, 8): ignored, as mergekit does}; empty when none was ignored.
   */
  Optional<String> warning(Path file, Map<String, Integer> lines) {
    if (ignored.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>();
    ignored.forEach((name, paths) -> {
      List<String> at = paths.stream().map(p -> lines.containsKey(p) ? lines.get(p).toString() : p).toList();
      String hint = closest(name).map(c -> "; did you mean " + c + "?").orElse("");
      parts.add(name + " (line" + (at.size() > 1 ? "s " : " ") + String.join(", ", at) + hint + ")");
    });
    return Optional.of(file + ": " + method.name() + " does not take " + String.join(", ", parts)
        + ": ignored, as mergekit does (it takes " + takes() + ")");
  }

  private String takes() {
    List<String> names = method.parameters().stream().map(MergeParameter::name).toList();
    return names.isEmpty() ? "no parameters" : String.join(", ", names);
  }

  /** A declared parameter within two edits of {@code name}: the likely intended key of a misspelling. */
  private Optional<String> closest(String name) {
    return method.parameters().stream().map(MergeParameter::name)
        .filter(p -> editDistance(p, name) <= Math.min(2, p.length() / 3)).findFirst();
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
