package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.MalformedCheckpointException;
import io.cpt4j.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file. Validation follows the reference
 * implementation: every entry well-formed, byte ranges inside the data buffer, matching the shape ×
 * dtype size, not overlapping and covering the buffer without holes.
 *
 * @param entries tensors in file order (ascending data offset)
 * @param metadata the {@code __metadata__} map, possibly empty
 * @param dataStart absolute file offset where the data buffer begins (8 + header length)
 */
public record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataStart) {

  /** Largest header accepted (as the reference implementation: 100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** One tensor: its info and byte range relative to the data buffer. */
  public record Entry(TensorInfo info, long begin, long end) {}

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          // Only the space padding may follow the object (as the reference implementation).
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build());
  }

  /**
   * Parses the header of a file of {@code fileSize} bytes given its 8-byte length prefix and header
   * bytes.
   *
   * @throws MalformedCheckpointException naming {@code file} and the defect
   */
  public static SafetensorsHeader parse(Path file, long fileSize, long headerLength, byte[] headerBytes) {
    long bufferLength = fileSize - 8 - headerLength;
    JsonNode root;
    try {
      root = JSON.readTree(headerBytes);
    } catch (JsonProcessingException e) {
      throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw bad(file, "header is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    Map<String, String> metadata = Map.of();
    List<Entry> entries = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (f.getKey().equals("__metadata__")) {
        metadata = metadata(file, f.getValue());
      } else {
        entries.add(entry(file, f.getKey(), f.getValue(), bufferLength));
      }
    }
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long cursor = 0;
    for (Entry e : sorted) {
      if (e.begin() < cursor) {
        throw bad(file, "tensor '" + e.info().name() + "' data [" + e.begin() + ", " + e.end()
            + ") overlaps the previous tensor, which ends at " + cursor);
      }
      if (e.begin() > cursor) {
        throw bad(file, "gap in the data buffer: bytes [" + cursor + ", " + e.begin()
            + ") belong to no tensor (before '" + e.info().name() + "')");
      }
      cursor = e.end();
    }
    if (cursor != bufferLength) {
      throw bad(file, "tensors cover " + cursor + " of the " + bufferLength
          + " data bytes: the file has trailing bytes or is mis-sized");
    }
    return new SafetensorsHeader(Collections.unmodifiableList(sorted), metadata, 8 + headerLength);
  }

  private static Map<String, String> metadata(Path file, JsonNode node) {
    if (!node.isObject()) {
      throw bad(file, "__metadata__ must be an object of strings");
    }
    Map<String, String> m = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw bad(file, "__metadata__ value of '" + e.getKey() + "' must be a string");
      }
      m.put(e.getKey(), e.getValue().textValue());
    }
    return Collections.unmodifiableMap(m);
  }

  private static Entry entry(Path file, String name, JsonNode node, long bufferLength) {
    String where = "tensor '" + name + "': ";
    if (name.isEmpty()) {
      throw bad(file, "a tensor has an empty name");
    }
    if (!node.isObject()) {
      throw bad(file, where + "entry must be an object with dtype, shape and data_offsets");
    }
    Iterator<String> keys = node.fieldNames();
    while (keys.hasNext()) {
      String k = keys.next();
      if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
        throw bad(file, where + "unknown field '" + k + "'");
      }
    }
    JsonNode dt = node.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw bad(file, where + "missing or non-string dtype");
    }
    DType dtype = DType.fromHeaderName(dt.textValue())
        .orElseThrow(() -> bad(file, where + "unknown dtype '" + dt.textValue() + "'"));
    JsonNode sh = node.get("shape");
    if (sh == null || !sh.isArray()) {
      throw bad(file, where + "missing shape array");
    }
    List<Long> shape = new ArrayList<>(sh.size());
    long elements = 1;
    for (JsonNode d : sh) {
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
        throw bad(file, where + "shape " + sh + " must hold non-negative integers");
      }
      shape.add(d.longValue());
      try {
        elements = Math.multiplyExact(elements, d.longValue());
      } catch (ArithmeticException ex) {
        throw bad(file, where + "shape " + sh + " overflows");
      }
    }
    long nbytes;
    try {
      nbytes = Math.multiplyExact(elements, (long) dtype.byteSize());
    } catch (ArithmeticException ex) {
      throw bad(file, where + "shape " + sh + " overflows");
    }
    JsonNode off = node.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2) {
      throw bad(file, where + "data_offsets must be an array [begin, end]");
    }
    for (JsonNode o : off) {
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
        throw bad(file, where + "data_offsets " + off + " must be non-negative integers");
      }
    }
    long begin = off.get(0).longValue();
    long end = off.get(1).longValue();
    if (end < begin) {
      throw bad(file, where + "data_offsets " + off + " end before they begin");
    }
    if (end > bufferLength) {
      throw bad(file, where + "data_offsets " + off + " lie outside the " + bufferLength + "-byte data buffer");
    }
    if (end - begin != nbytes) {
      throw bad(file, where + "shape " + shape + " × " + dtype + " is " + nbytes
          + " bytes but data_offsets " + off + " span " + (end - begin));
    }
    return new Entry(new TensorInfo(name, dtype, shape), begin, end);
  }

  static MalformedCheckpointException bad(Path file, String message) {
    return new MalformedCheckpointException(file, message);
  }
}
