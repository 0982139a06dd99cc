package io.cpt4j.model.internal;

import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.Map;

/**
 * Rotary position embedding tables in Hugging Face's rotate-half convention: for channel pair
 * {@code i < d/2} the angle at position {@code p} is {@code p · invFreq[i]}, and channels {@code i}
 * and {@code i + d/2} share it. {@code rope_scaling} types "linear", "llama3" and "yarn" are applied
 * to the inverse frequencies as transformers 5 does (yarn also scales cos and sin by its attention
 * factor, {@link #attentionScaling}); "dynamic" (NTK) equals the default inside {@code
 * max_position_embeddings}, the only positions cpt4j uses.
 */
public final class Rope {
  private Rope() {}

  /** Inverse frequencies of the {@code rotaryDim / 2} channel pairs (of the global layers). */
  public static double[] inverseFrequencies(ModelConfig c) {
    return inverseFrequencies(c, false);
  }

  /**
   * Inverse frequencies of the global layers, or with {@code local} of the sliding layers that have
   * their own base ({@link ModelConfig#localRopeTheta}; unscaled, as Gemma 3's local layers).
   */
  public static double[] inverseFrequencies(ModelConfig c, boolean local) {
    int d = c.rotaryDim();
    double theta = local && c.localRopeTheta() > 0 ? c.localRopeTheta() : c.ropeTheta();
    double[] inv = new double[d / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / d);
    }
    Map<String, Object> s = local && c.localRopeTheta() > 0 ? Map.of() : c.ropeScaling();
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
      case "yarn" -> yarn(inv, c, s);
      case "dynamic" -> {} // rescales only past max_position_embeddings
      default -> throw new ConfigException("rope_scaling type '" + type + "' is not supported (supported: linear,"
          + " llama3, yarn, dynamic)");
    }
    return inv;
  }

  /** The factor transformers multiplies cos and sin by: yarn's attention factor, else 1. */
  public static double attentionScaling(ModelConfig c) {
    return attentionScaling(c, false);
  }

  /** {@link #attentionScaling(ModelConfig)} of the global layers, or 1 for local ones with their own base. */
  public static double attentionScaling(ModelConfig c, boolean local) {
    Map<String, Object> s = local && c.localRopeTheta() > 0 ? Map.of() : c.ropeScaling();
    if (!"yarn".equals(String.valueOf(s.getOrDefault("rope_type", s.get("type"))))) {
      return 1.0;
    }
    if (s.get("attention_factor") != null) {
      return number(s, "attention_factor");
    }
    double factor = number(s, "factor");
    Object mscale = s.get("mscale");
    Object mscaleAllDim = s.get("mscale_all_dim");
    if (mscale instanceof Number m && mscaleAllDim instanceof Number a && m.doubleValue() != 0 && a.doubleValue() != 0) {
      return yarnMscale(factor, m.doubleValue()) / yarnMscale(factor, a.doubleValue());
    }
    return yarnMscale(factor, 1.0);
  }

  private static double yarnMscale(double scale, double mscale) {
    return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
  }

  /**
   * YaRN (Peng et al. 2023) as transformers 5's {@code _compute_yarn_parameters}: interpolated
   * frequencies (divided by {@code factor}) below the correction range, the original ones above it,
   * a linear ramp in between; the range from {@code beta_fast}/{@code beta_slow} rotations over
   * {@code original_max_position_embeddings} (default: {@code max_position_embeddings}).
   */
  private static void yarn(double[] inv, ModelConfig c, Map<String, Object> s) {
    double factor = number(s, "factor");
    double base = c.ropeTheta();
    int dim = c.rotaryDim();
    double original = s.get("original_max_position_embeddings") == null ? c.maxPositionEmbeddings()
        : number(s, "original_max_position_embeddings");
    double betaFast = s.get("beta_fast") == null ? 32 : number(s, "beta_fast");
    double betaSlow = s.get("beta_slow") == null ? 1 : number(s, "beta_slow");
    boolean truncate = !Boolean.FALSE.equals(s.get("truncate"));
    double low = correctionDim(betaFast, dim, base, original);
    double high = correctionDim(betaSlow, dim, base, original);
    if (truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, dim - 1);
    if (low == high) {
      high += 0.001; // as transformers: no singular ramp
    }
    for (int i = 0; i < inv.length; i++) {
      double ramp = Math.clamp((i - low) / (high - low), 0.0, 1.0);
      double extrapolation = 1 - ramp;
      inv[i] = inv[i] / factor * (1 - extrapolation) + inv[i] * extrapolation;
    }
  }

  private static double correctionDim(double rotations, int dim, double base, double maxPositions) {
    return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
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
    return tables(invFreq, positions, 1.0);
  }

  /** {@link #tables(double[], int[])} with cos and sin multiplied by {@code scaling} (yarn). */
  public static float[][] tables(double[] invFreq, int[] positions, double scaling) {
    int d = invFreq.length * 2;
    float[] cos = new float[positions.length * d];
    float[] sin = new float[positions.length * d];
    for (int i = 0; i < positions.length; i++) {
      for (int j = 0; j < invFreq.length; j++) {
        double angle = positions[i] * invFreq[j];
        float c = (float) (Math.cos(angle) * scaling);
        float s = (float) (Math.sin(angle) * scaling);
        cos[i * d + j] = c;
        cos[i * d + j + invFreq.length] = c;
        sin[i * d + j] = s;
        sin[i * d + j + invFreq.length] = s;
      }
    }
    return new float[][] {cos, sin};
  }
}
