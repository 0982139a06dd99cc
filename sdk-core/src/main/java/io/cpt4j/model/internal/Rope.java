package io.cpt4j.model.internal;

import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.Map;

/**
 * Rotary position embedding tables in Hugging Face's rotate-half convention: for channel pair
 * {@code i < d/2} the angle at position {@code p} is {@code p · invFreq[i]}, and channels {@code i}
 * and {@code i + d/2} share it. {@code rope_scaling} types "linear" and "llama3" are applied to the
 * inverse frequencies as transformers does.
 */
public final class Rope {
  private Rope() {}

  /** Inverse frequencies of the {@code rotaryDim / 2} channel pairs. */
  public static double[] inverseFrequencies(ModelConfig c) {
    int d = c.rotaryDim();
    double[] inv = new double[d / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / d);
    }
    Map<String, Object> s = c.ropeScaling();
    if (s.isEmpty()) {
      return inv;
    }
    String type = String.valueOf(s.getOrDefault("rope_type", s.getOrDefault("type", "default")));
    switch (type) {
      case "default" -> {}
      case "linear" -> {
        double factor = number(s, "factor");
        for (int i = 0; i < inv.length; i++) {
          inv[i] /= factor;
        }
      }
      case "llama3" -> llama3(inv, s);
      default -> throw new ConfigException("rope_scaling type '" + type + "' is not supported (supported: linear, llama3)");
    }
    return inv;
  }

  private static void llama3(double[] inv, Map<String, Object> s) {
    double factor = number(s, "factor");
    double low = number(s, "low_freq_factor");
    double high = number(s, "high_freq_factor");
    double oldContext = number(s, "original_max_position_embeddings");
    double lowWavelen = oldContext / low;
    double highWavelen = oldContext / high;
    for (int i = 0; i < inv.length; i++) {
      double wavelen = 2 * Math.PI / inv[i];
      if (wavelen < highWavelen) {
        continue; // high frequency: unchanged
      }
      if (wavelen > lowWavelen) {
        inv[i] /= factor; // low frequency: scaled
      } else { // in between: interpolated
        double smooth = (oldContext / wavelen - low) / (high - low);
        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
      }
    }
  }

  private static double number(Map<String, Object> s, String key) {
    Object v = s.get(key);
    if (!(v instanceof Number n)) {
      throw new ConfigException("rope_scaling." + key + " must be a number, got " + v);
    }
    return n.doubleValue();
  }

  /**
   * Cosine and sine tables for a batch: {@code [rows·length][rotaryDim]} each, row-major, for the
   * given position of every index (the two halves repeat, as HF's {@code cat(freqs, freqs)}).
   */
  public static float[][] tables(double[] invFreq, int[] positions) {
    int d = invFreq.length * 2;
    float[] cos = new float[positions.length * d];
    float[] sin = new float[positions.length * d];
    for (int i = 0; i < positions.length; i++) {
      for (int j = 0; j < invFreq.length; j++) {
        double angle = positions[i] * invFreq[j];
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cos[i * d + j] = c;
        cos[i * d + j + invFreq.length] = c;
        sin[i * d + j] = s;
        sin[i * d + j + invFreq.length] = s;
      }
    }
    return new float[][] {cos, sin};
  }
}
