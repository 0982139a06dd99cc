package io.cpt4j.plan.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an observations file: JSON Lines of {@code {"ratio", "tokens", "parameters"?, "losses": {SET:
 * loss}}}, blank lines skipped; the first bad line is a {@link PlanException} naming the file and
 * line. Stateless.
 */
final class ObservationReader {
  private ObservationReader() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of("ratio", "tokens", "parameters", "losses");

  static List<Observation> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new PlanException(file + ": no such observations file");
    } catch (IOException e) {
      throw new PlanException(file + ": cannot read it (" + e.getMessage() + ")", e);
    }
    List<Observation> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        out.add(parse(lines.get(i), file + ":" + (i + 1)));
      }
    }
    if (out.isEmpty()) {
      throw new PlanException(file + ": no observations (one JSON object a line: {\"ratio\": r, \"tokens\": D, "
          + "\"losses\": {\"general\": x, \"domain\": y}})");
    }
    return out;
  }

  static Observation parse(String line, String where) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new PlanException(where + ": not JSON (" + e.getOriginalMessage() + ")");
    }
    if (n == null || !n.isObject()) {
      throw new PlanException(where + ": expected a JSON object, got " + abbreviate(line));
    }
    for (String k : (Iterable<String>) n::fieldNames) {
      if (!KEYS.contains(k)) {
        throw new PlanException(where + ": unknown key '" + k + "' (ratio, tokens, parameters, losses)");
      }
    }
    JsonNode ratio = n.get("ratio");
    JsonNode tokens = n.get("tokens");
    JsonNode parameters = n.get("parameters");
    JsonNode losses = n.get("losses");
    if (ratio == null || !ratio.isNumber()) {
      throw new PlanException(where + ": ratio must be a number (the domain share, 0 to 1), got " + ratio);
    }
    if (tokens == null || !tokens.isIntegralNumber() && !(tokens.isNumber() && tokens.asDouble() == Math.rint(
        tokens.asDouble()))) {
      throw new PlanException(where + ": tokens must be a whole number, got " + tokens);
    }
    if (parameters != null && !parameters.isNull() && !parameters.isIntegralNumber()) {
      throw new PlanException(where + ": parameters must be a whole number, got " + parameters);
    }
    if (losses == null || !losses.isObject()) {
      throw new PlanException(where + ": losses must be an object of validation set to loss, got " + losses);
    }
    Map<String, Double> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : losses.properties()) {
      if (!e.getValue().isNumber()) {
        throw new PlanException(where + ": the loss of '" + e.getKey() + "' must be a number, got " + e.getValue());
      }
      map.put(e.getKey(), e.getValue().asDouble());
    }
    try {
      return new Observation(ratio.asDouble(), tokens.asLong(), parameters == null ? 0 : parameters.asLong(), map,
          where);
    } catch (IllegalArgumentException e) {
      throw new PlanException(e.getMessage());
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
