package io.cpt4j.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A freshly initialised model for a {@link ModelConfig}, as transformers' {@code
 * AutoModelForCausalLM.from_config} initialises one: every matrix (embeddings, projections, the
 * output head) drawn from normal(0, {@value #DEFAULT_STD}), normalisation weights 1 (0 for
 * families whose norm multiplies by {@code 1 + w}, Gemma), every bias 0. The values are F32 and a
 * function of the seed alone: the tensors are visited in {@link ModelConfig#expectedTensors()}
 * order and the matrices' values drawn one after the other from a {@link SplittableRandom} of the
 * seed (Box–Muller, one value a pair of uniforms), so two runs, machines or JDKs give the same
 * bits.
 *
 * <p>For pre-training from scratch, demos, tests and benchmarks; continual pre-training starts from
 * a trained checkpoint. The whole model is held in memory (4 bytes a parameter). Stateless and
 * thread-safe.
 */
public final class ModelInit {
  /** The standard deviation of the matrices: transformers' default {@code initializer_range}. */
  public static final double DEFAULT_STD = 0.02;

  private ModelInit() {}

  /** The tensors of a model of {@code config} initialised from {@code seed} (see the class description). */
  public static List<Tensor> tensors(ModelConfig config, long seed) {
    return tensors(config, seed, DEFAULT_STD);
  }

  /**
   * The tensors of a model of {@code config} initialised from {@code seed}, the matrices with
   * standard deviation {@code std}.
   *
   * @throws IllegalArgumentException if {@code std} is negative or not finite, or a tensor has more
   *     than {@link Integer#MAX_VALUE} elements
   */
  public static List<Tensor> tensors(ModelConfig config, long seed, double std) {
    Objects.requireNonNull(config, "config");
    if (!(std >= 0 && Double.isFinite(std))) {
      throw new IllegalArgumentException("std must be finite and >= 0, got " + std);
    }
    float normValue = config.family().norm() == ModelFamily.Norm.RMS_PLUS_ONE ? 0f : 1f;
    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> out = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue().stream().mapToLong(Long::longValue).toArray();
      long count = Arrays.stream(shape).reduce(1L, Math::multiplyExact);
      if (count > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("tensor " + name + " has " + count + " elements, more than one array holds");
      }
      float[] data = new float[(int) count];
      if (name.endsWith(".bias")) {
        // zeros
      } else if (isNorm(name)) {
        Arrays.fill(data, normValue);
      } else {
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (std * gaussian(random));
        }
      }
      out.add(Tensor.ofFloats(name, shape, data));
    }
    return out;
  }

  /**
   * Writes a model of {@code config} initialised from {@code seed} with {@code writer}, whose
   * configuration is set to {@code config}; returns the files written.
   */
  public static List<java.nio.file.Path> write(ModelConfig config, long seed, CheckpointWriter writer) {
    return writer.config(config).write(tensors(config, seed));
  }

  private static boolean isNorm(String name) {
    return name.contains("norm");
  }

  private static double gaussian(SplittableRandom r) {
    double u1 = 1.0 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
