package io.cpt4j.data.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.data.DataException;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.TokenDataset;
import java.io.IOException;
import java.util.Map;

/**
 * The JSON form of a {@link BlendedSampler}'s state.
 *
 * <pre>{@code
 * {"format": "cpt4j-mixture-sampler", "version": 1,
 *  "identity": {"mixture": "...", "seed": 0, "metadataConditioning": 0.0, "plannedTokens": ...,
 *               "packing": {"sequenceLength", "packed", "eosId", "padId", "bosId" (when framed)},
 *               "sources": [{"name", "limits", "fingerprint", "documents", "tokens"}, ...]},
 *  "sampler": {"rows", "tokens", "paddingPositions", "ignoredTargets", "truncatedTokens", "stopped",
 *              "events": [...], "keptPassEvents", "omittedPassEvents"},
 *  "sources": [{"pass", "documentsBegun", "prefixed", "offset", "carry", "tokens", "rows",
 *               "documentsStarted", "epochsCompleted", "state", "scheduledTokens"}, ...]}
 * }</pre>
 *
 * <p>The identity must equal the restoring sampler's, field by field. Document orders are not
 * stored: they are recomputed from the seed ({@link DocumentOrder}). {@code scheduledTokens} are
 * doubles written in Java's shortest round-trip decimal form, which reads back to the same bits.
 * {@code carry} is the token carried into the next packed row, -1 for none.
 */
final class SamplerStateCodec {
  static final String FORMAT = "cpt4j-mixture-sampler";
  static final int VERSION = 1;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private SamplerStateCodec() {}

  static String write(BlendedSampler s) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.set("identity", identity(s));
    ObjectNode g = root.putObject("sampler");
    g.put("rows", s.rows);
    g.put("tokens", s.tokens);
    g.put("paddingPositions", s.paddingPositions);
    g.put("ignoredTargets", s.ignoredTargets);
    g.put("truncatedTokens", s.truncatedTokens);
    g.put("stopped", s.stopped);
    ArrayNode events = g.putArray("events");
    s.events.forEach(events::add);
    g.put("keptPassEvents", s.keptPassEvents);
    g.put("omittedPassEvents", s.omittedPassEvents);
    ArrayNode sources = root.putArray("sources");
    for (SourceStream c : s.streams) {
      ObjectNode o = sources.addObject();
      o.put("pass", c.pass());
      o.put("documentsBegun", c.started());
      o.put("prefixed", c.prefixed());
      o.put("offset", c.offset());
      o.put("carry", c.hasCarry() ? c.carry() : -1);
      o.put("tokens", c.tokens);
      o.put("rows", c.rows);
      o.put("documentsStarted", c.documentsStarted);
      o.put("epochsCompleted", c.epochsCompleted);
      o.put("state", c.state.label());
      o.put("scheduledTokens", s.schedule.scheduled(c.index));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write sampler state", e);
    }
  }

  /** What a state must match to be restored here: mixture, datasets, packing and plan. */
  static ObjectNode identity(BlendedSampler s) {
    ObjectNode id = JSON.createObjectNode();
    id.put("mixture", s.mixture.toString());
    id.put("seed", s.mixture.seed());
    id.put("metadataConditioning", s.mixture.metadataConditioningFraction());
    id.put("plannedTokens", s.plannedTokens);
    ObjectNode p = id.putObject("packing");
    p.put("sequenceLength", s.packing.sequenceLength());
    p.put("packed", s.packing.packed());
    p.put("eosId", s.packing.eosId());
    p.put("padId", s.packing.padId());
    if (s.packing.framesWithBos()) { // absent without a BOS, so states written before framing still match
      p.put("bosId", s.packing.bosId());
    }
    ArrayNode sources = id.putArray("sources");
    for (int i = 0; i < s.streams.length; i++) {
      Mixture.Component c = s.mixture.components().get(i);
      TokenDataset ds = s.datasets.get(i);
      ObjectNode o = sources.addObject();
      o.put("name", c.source().name());
      o.put("limits", c.limits().toString());
      o.put("fingerprint", ds.fingerprint());
      o.put("documents", ds.documentCount());
      o.put("tokens", ds.tokenCount());
    }
    return id;
  }

  /** Replaces {@code s}'s state with the one in {@code json}; on any error {@code s} is left unchanged. */
  static void restore(BlendedSampler s, String json) {
    if (json == null || json.isBlank()) {
      throw new DataException("sampler state is empty");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new DataException("sampler state is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new DataException("sampler state is not a JSON object");
    }
    if (!FORMAT.equals(root.path("format").asText(null))) {
      throw new DataException("not a sampler state: format is " + root.path("format") + ", expected \"" + FORMAT
          + "\"");
    }
    if (root.path("version").asInt(-1) != VERSION) {
      throw new DataException("sampler state version " + root.path("version") + " is not supported (this "
          + "version reads " + VERSION + ")");
    }
    String diff = firstDifference("identity", root.path("identity"), identity(s));
    if (diff != null) {
      throw new DataException("sampler state belongs to another mixture, datasets, packing or plan: " + diff);
    }
    JsonNode g = object(root, "sampler");
    JsonNode sources = root.path("sources");
    if (!sources.isArray() || sources.size() != s.streams.length) {
      throw new DataException("sampler state needs one entry in 'sources' per source (" + s.streams.length + ")");
    }
    JsonNode backup;
    try {
      backup = JSON.readTree(write(s));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read back the sampler's own state", e);
    }
    try {
      apply(s, g, sources);
    } catch (RuntimeException e) {
      apply(s, backup.path("sampler"), backup.path("sources"));
      throw e;
    }
  }

  private static void apply(BlendedSampler s, JsonNode g, JsonNode sources) {
    s.rows = count(g, "rows", "sampler");
    s.tokens = count(g, "tokens", "sampler");
    s.paddingPositions = count(g, "paddingPositions", "sampler");
    s.ignoredTargets = count(g, "ignoredTargets", "sampler");
    s.truncatedTokens = count(g, "truncatedTokens", "sampler");
    s.stopped = bool(g, "stopped", "sampler");
    JsonNode events = g.path("events");
    if (!events.isArray()) {
      throw new DataException("sampler state lacks the array sampler.events");
    }
    s.events.clear();
    events.forEach(e -> s.events.add(e.asText()));
    s.keptPassEvents = smallCount(g, "keptPassEvents", "sampler");
    s.omittedPassEvents = count(g, "omittedPassEvents", "sampler");
    for (int i = 0; i < s.streams.length; i++) {
      JsonNode o = sources.get(i);
      String where = "sources[" + i + "]";
      SourceStream c = s.streams[i];
      long carry = integer(o, "carry", where);
      if (carry < -1 || carry > Integer.MAX_VALUE) {
        throw new DataException("sampler state: " + where + ".carry = " + carry + " is not a token id or -1");
      }
      c.restorePosition(smallCount(o, "pass", where), smallCount(o, "documentsBegun", where),
          bool(o, "prefixed", where), smallCount(o, "offset", where), (int) carry);
      c.tokens = count(o, "tokens", where);
      c.rows = count(o, "rows", where);
      c.documentsStarted = count(o, "documentsStarted", where);
      c.epochsCompleted = smallCount(o, "epochsCompleted", where);
      String state = o.path("state").asText("");
      c.state = switch (state) {
        case "active" -> SourceStream.State.ACTIVE;
        case "exhausted" -> SourceStream.State.EXHAUSTED;
        case "dropped" -> SourceStream.State.DROPPED;
        default -> throw new DataException("sampler state: " + where + ".state is '" + state
            + "', expected active, exhausted or dropped");
      };
      JsonNode sched = o.path("scheduledTokens");
      if (!sched.isNumber() || !Double.isFinite(sched.asDouble())) {
        throw new DataException("sampler state lacks the number " + where + ".scheduledTokens");
      }
      s.schedule.restore(i, sched.asDouble());
    }
  }

  private static JsonNode object(JsonNode parent, String field) {
    JsonNode n = parent.path(field);
    if (!n.isObject()) {
      throw new DataException("sampler state lacks the object '" + field + "'");
    }
    return n;
  }

  private static long integer(JsonNode o, String field, String where) {
    JsonNode n = o.path(field);
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new DataException("sampler state lacks the integer " + where + "." + field);
    }
    return n.asLong();
  }

  private static long count(JsonNode o, String field, String where) {
    long v = integer(o, field, where);
    if (v < 0) {
      throw new DataException("sampler state: " + where + "." + field + " = " + v + " is negative");
    }
    return v;
  }

  private static int smallCount(JsonNode o, String field, String where) {
    long v = count(o, field, where);
    if (v > Integer.MAX_VALUE) {
      throw new DataException("sampler state: " + where + "." + field + " = " + v + " is out of range");
    }
    return (int) v;
  }

  private static boolean bool(JsonNode o, String field, String where) {
    JsonNode n = o.path(field);
    if (!n.isBoolean()) {
      throw new DataException("sampler state lacks the boolean " + where + "." + field);
    }
    return n.booleanValue();
  }

  /** The first place where {@code saved} and {@code expected} differ, or null when they are equal. */
  static String firstDifference(String path, JsonNode saved, JsonNode expected) {
    if (saved.isObject() && expected.isObject()) {
      for (Map.Entry<String, JsonNode> e : expected.properties()) {
        String d = firstDifference(path + "." + e.getKey(), saved.path(e.getKey()), e.getValue());
        if (d != null) {
          return d;
        }
      }
      return saved.size() == expected.size() ? null : path + " has other fields than expected";
    }
    if (saved.isArray() && expected.isArray()) {
      if (saved.size() != expected.size()) {
        return path + " has " + saved.size() + " entries in the state but " + expected.size() + " here";
      }
      for (int i = 0; i < expected.size(); i++) {
        String d = firstDifference(path + "[" + i + "]", saved.get(i), expected.get(i));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    boolean equal = saved.isNumber() && expected.isNumber()
        ? saved.decimalValue().compareTo(expected.decimalValue()) == 0
        : saved.equals(expected);
    return equal ? null : path + " is " + (saved.isMissingNode() ? "missing" : saved.toString())
        + " in the state but " + expected + " here";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
