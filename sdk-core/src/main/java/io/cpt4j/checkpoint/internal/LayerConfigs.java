package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The one edit of a {@code config.json} whose decoder layers were rearranged (depth growth, merge
 * slices): {@code num_hidden_layers} becomes the new count and every per-layer list (an array of
 * exactly the old layer count, such as {@code layer_types}; {@code architectures} aside) is rebuilt
 * from the old entries of the layers the new ones come from. Keys cpt4j does not model survive.
 * Stateless.
 */
public final class LayerConfigs {
  private LayerConfigs() {}

  /**
   * Rewrites {@code root} in place.
   *
   * @param layers the old layer count
   * @param source for each new layer, the old layer it comes from
   */
  public static ObjectNode remap(ObjectNode root, int layers, int[] source) {
    root.put("num_hidden_layers", source.length);
    List<String> keys = new ArrayList<>();
    root.fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      JsonNode v = root.get(key);
      if (v.isArray() && v.size() == layers && !key.equals("architectures")) {
        ArrayNode remapped = root.arrayNode();
        for (int s : source) {
          remapped.add(v.get(s).deepCopy());
        }
        root.set(key, remapped);
      }
    }
    return root;
  }
}
