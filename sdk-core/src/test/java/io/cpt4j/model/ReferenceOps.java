package io.cpt4j.model;

import io.cpt4j.checkpoint.ModelConfig;
import java.util.Map;

/**
 * The scalar and vector building blocks of {@link ReferenceDecoder}, in float64 and written from
 * the Hugging Face definitions (no code shared with cpt4j's main sources). {@link StrictMath} is
 * used throughout so that results are the same bits on every JVM.
 */
final class ReferenceOps {
  private ReferenceOps() {}

  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
  private static final double ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π
  private static final double SQRT_HALF = 0.7071067811865476; // 1/√2

  // ---------------------------------------------------------------- error function

  /** Below this, erf by its Taylor series; above, by the continued fraction of erfc. */
  private static final double SERIES_LIMIT = 0.75;

  /**
   * The error function, within a few units in the last place (checked against libm on a dense
   * grid of [-8, 8]: at most 3 ulp, 3.3e-16 absolute): for |x| &lt; 0.75 the Taylor series {@code
   * 2/√π Σ (-1)ⁿ x^(2n+1) / (n! (2n+1))} (terms fall by more than half each step, so no
   * cancellation), otherwise {@code 1 - erfc(|x|)} by the continued fraction.
   */
  static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double a = Math.abs(x);
    double r = a < SERIES_LIMIT ? erfTaylor(a) : 1 - erfcContinuedFraction(a);
    return Math.copySign(r, x);
  }

  /** The complementary error function {@code 1 - erf(x)}, with relative accuracy in the far tail. */
  static double erfc(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    if (x >= SERIES_LIMIT) {
      return erfcContinuedFraction(x);
    }
    if (x <= -SERIES_LIMIT) {
      return 2 - erfcContinuedFraction(-x);
    }
    return 1 - erf(x);
  }

  private static double erfTaylor(double a) {
    double a2 = a * a;
    double power = a; // (-1)ⁿ a^(2n+1) / n!
    double sum = a;
    for (int n = 1; n < 100; n++) {
      power *= -a2 / n;
      double term = power / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-18 * Math.abs(sum)) {
        break;
      }
    }
    return TWO_OVER_SQRT_PI * sum;
  }

  /**
   * erfc for x ≥ 0.75 by Laplace's continued fraction {@code erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x
   * + (2/2)/(x + (3/2)/(x + …))))}, evaluated backwards from depth 600 (at x = 0.75 depth 300
   * already reaches double precision; it converges faster as x grows).
   */
  private static double erfcContinuedFraction(double x) {
    if (x > 27) {
      return 0; // below the smallest subnormal
    }
    double t = x;
    for (int k = 600; k >= 1; k--) {
      t = x + (k / 2.0) / t;
    }
    return ONE_OVER_SQRT_PI * expMinusSquare(x) / t;
  }

  /** e^(-x²) with x² split exactly into hi + lo, so that the rounding of x² does not reach the result. */
  private static double expMinusSquare(double x) {
    double hi = x * x;
    double lo = Math.fma(x, x, -hi);
    return StrictMath.exp(-hi) * (1 - lo);
  }

  // ---------------------------------------------------------------- activations

  /** Exact GELU {@code x/2 · (1 + erf(x/√2))}, written as {@code x/2 · erfc(-x/√2)} to stay accurate for x &lt; 0. */
  static double gelu(double x) {
    return 0.5 * x * erfc(-x * SQRT_HALF);
  }

  /** The tanh approximation of GELU (HF "gelu_new", "gelu_pytorch_tanh", "gelu_fast"). */
  static double geluTanh(double x) {
    return 0.5 * x * (1 + StrictMath.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
  }

  /** SiLU (swish) {@code x · sigmoid(x) = x / (1 + e^(-x))}. */
  static double silu(double x) {
    return x / (1 + StrictMath.exp(-x));
  }

  /** The MLP activation named by HF's {@code hidden_act}. */
  static double activation(String name, double x) {
    return switch (name) {
      case "silu", "swish" -> silu(x);
      case "gelu" -> gelu(x);
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> geluTanh(x);
      case "relu" -> Math.max(0, x);
      default -> throw new UnsupportedOperationException("hidden_act '" + name + "' is not modelled");
    };
  }

  /** Fails now, naming the activation, rather than deep inside a forward pass. */
  static void checkActivation(String name) {
    activation(name, 0);
  }

  // ---------------------------------------------------------------- norms and projections

  /** HF LlamaRMSNorm: {@code w · x / sqrt(mean(x²) + eps)}. */
  static double[] rmsNorm(double[] x, float[] weight, double eps) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double inv = 1 / Math.sqrt(ss / x.length + eps);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = weight[i] * (x[i] * inv);
    }
    return y;
  }

  /** torch LayerNorm: {@code (x - mean) / sqrt(var + eps) · w + b}, var the biased (1/n) variance. */
  static double[] layerNorm(double[] x, float[] weight, float[] bias, double eps) {
    int n = x.length;
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= n;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= n;
    double inv = 1 / Math.sqrt(var + eps);
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = (x[i] - mean) * inv * weight[i] + bias[i];
    }
    return y;
  }

  /** torch Linear: {@code y = x Wᵀ + b} with W stored row-major {@code [out, in]}; bias may be null. */
  static double[] linear(double[] x, float[] w, float[] bias, int out) {
    int in = x.length;
    if ((long) in * out != w.length) {
      throw new IllegalArgumentException("weight has " + w.length + " elements, not " + out + " x " + in);
    }
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias == null ? 0 : bias[o];
      int row = o * in;
      for (int i = 0; i < in; i++) {
        s += x[i] * w[row + i];
      }
      y[o] = s;
    }
    return y;
  }

  // ---------------------------------------------------------------- rotary embeddings

  /**
   * Rotary inverse frequencies of {@code c}: {@code 1 / θ^(2i/d)} for {@code i < d/2}, d the rotary
   * dimension, adjusted by {@code rope_scaling} as HF's {@code ROPE_INIT_FUNCTIONS} do: "default",
   * "linear" (divided by the factor) and "llama3" ({@code _compute_llama3_parameters}). The type is
   * read from "rope_type", else the legacy "type"; other types fail rather than be ignored.
   */
  static double[] inverseFrequencies(ModelConfig c) {
    int d = c.rotaryDim();
    double[] inv = new double[d / 2];
    for (int i = 0; i < d / 2; i++) {
      inv[i] = 1 / StrictMath.pow(c.ropeTheta(), (2.0 * i) / d);
    }
    Map<String, Object> rs = c.ropeScaling();
    if (rs.isEmpty()) {
      return inv;
    }
    Object type = rs.containsKey("rope_type") ? rs.get("rope_type") : rs.get("type");
    if (type == null) {
      throw new UnsupportedOperationException("rope_scaling without rope_type or type: " + rs);
    }
    switch (type.toString()) {
      case "default" -> { }
      case "linear" -> {
        double f = number(rs, "factor");
        for (int i = 0; i < inv.length; i++) {
          inv[i] /= f;
        }
      }
      case "llama3" -> llama3(inv, rs);
      case "yarn" -> yarn(inv, c, rs);
      case "dynamic" -> { } // NTK rescaling starts past max_position_embeddings
      default -> throw new UnsupportedOperationException("rope_scaling type '" + type + "' is not modelled");
    }
    return inv;
  }

  /**
   * YaRN, written from the paper's definition (Peng et al. 2023, §3.2 "NTK-by-parts"): with {@code
   * r(i) = L / λ(i)} the rotations of channel pair i over the original context L, pairs with {@code
   * r < β_slow} are interpolated (θ/s), pairs with {@code r > β_fast} kept, and a linear ramp in
   * channel index between the two (HF rounds the ramp's ends outwards to whole channels).
   */
  private static void yarn(double[] inv, ModelConfig c, Map<String, Object> rs) {
    double s = number(rs, "factor");
    double original = rs.containsKey("original_max_position_embeddings")
        ? number(rs, "original_max_position_embeddings") : c.maxPositionEmbeddings();
    double fast = rs.containsKey("beta_fast") ? number(rs, "beta_fast") : 32;
    double slow = rs.containsKey("beta_slow") ? number(rs, "beta_slow") : 1;
    int d = c.rotaryDim();
    // the channel index at which a pair makes `rot` rotations over L: d·ln(L / (2π·rot)) / (2 ln θ)
    double lo = Math.max(0, StrictMath.floor(d * StrictMath.log(original / (fast * 2 * Math.PI))
        / (2 * StrictMath.log(c.ropeTheta()))));
    double hi = Math.min(d - 1, StrictMath.ceil(d * StrictMath.log(original / (slow * 2 * Math.PI))
        / (2 * StrictMath.log(c.ropeTheta()))));
    if (lo == hi) {
      hi += 0.001;
    }
    for (int i = 0; i < inv.length; i++) {
      double keep = 1 - Math.min(1, Math.max(0, (i - lo) / (hi - lo))); // 1: original, 0: interpolated
      inv[i] = keep * inv[i] + (1 - keep) * inv[i] / s;
    }
  }

  /** YaRN's attention temperature: {@code 0.1·ln(s) + 1} for a factor s > 1 (else 1), or as configured. */
  static double ropeAttentionScale(ModelConfig c) {
    Map<String, Object> rs = c.ropeScaling();
    if (!"yarn".equals(rs.get("rope_type"))) {
      return 1;
    }
    if (rs.containsKey("attention_factor")) {
      return number(rs, "attention_factor");
    }
    double s = number(rs, "factor");
    return s <= 1 ? 1 : 0.1 * StrictMath.log(s) + 1;
  }

  private static void llama3(double[] inv, Map<String, Object> rs) {
    double factor = number(rs, "factor");
    double low = number(rs, "low_freq_factor");
    double high = number(rs, "high_freq_factor");
    double oldContext = number(rs, "original_max_position_embeddings");
    double lowWavelen = oldContext / low;
    double highWavelen = oldContext / high;
    for (int i = 0; i < inv.length; i++) {
      double wavelen = 2 * Math.PI / inv[i];
      if (wavelen > lowWavelen) {
        inv[i] = inv[i] / factor; // low frequency: scaled
      } else if (wavelen >= highWavelen) {
        double smooth = (oldContext / wavelen - low) / (high - low);
        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i]; // medium: interpolated
      } // high frequency: kept
    }
  }

  private static double number(Map<String, Object> rs, String key) {
    Object v = rs.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("rope_scaling." + key + " must be a number, got " + v + " in " + rs);
    }
    return n.doubleValue();
  }

  /**
   * Rotates, in place, the first {@code 2·inv.length} channels of the head that starts at {@code
   * offset} in {@code v}, HF rotate-half style: channel i pairs with channel i + d/2 and turns by
   * the angle {@code position · inv[i]}; the channels after the rotary dimension are untouched.
   */
  static void rotate(double[] v, int offset, double[] inv, int position) {
    int half = inv.length;
    for (int i = 0; i < half; i++) {
      double angle = position * inv[i];
      double cos = StrictMath.cos(angle);
      double sin = StrictMath.sin(angle);
      double a = v[offset + i];
      double b = v[offset + i + half];
      v[offset + i] = a * cos - b * sin;
      v[offset + i + half] = b * cos + a * sin;
    }
  }

  // ---------------------------------------------------------------- softmax

  /** {@code log Σ exp(x[from..from+n))}, shifted by the maximum so that it never overflows. */
  static double logSumExp(double[] x, int from, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      max = Math.max(max, x[i]);
    }
    if (Double.isInfinite(max)) {
      return max;
    }
    double s = 0;
    for (int i = from; i < from + n; i++) {
      s += StrictMath.exp(x[i] - max);
    }
    return max + StrictMath.log(s);
  }
}
