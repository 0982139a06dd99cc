package io.cpt4j.spi;

import io.cpt4j.Cpt4jException;
import java.util.ServiceLoader;

/** Finds the registered format, data, trainer, merge and ONNX providers. Thread-safe; looks them up once. */
public final class Providers {
  private Providers() {}

  private static final class Holder {
    static final FormatProvider FORMAT = load(FormatProvider.class);
    static final DataProvider DATA = load(DataProvider.class);
    static final TrainerProvider TRAINER = load(TrainerProvider.class);
    static final MergeProvider MERGE = load(MergeProvider.class);
    static final OnnxProvider ONNX = load(OnnxProvider.class);

    private static <T> T load(Class<T> type) {
      return ServiceLoader.load(type, Providers.class.getClassLoader())
          .findFirst()
          .or(() -> ServiceLoader.load(type).findFirst())
          .orElse(null);
    }
  }

  /**
   * The implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static FormatProvider format() {
    FormatProvider p = Holder.FORMAT;
    if (p == null) {
      throw new Cpt4jException(
          "no checkpoint implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }

  /**
   * The data-pipeline implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static DataProvider data() {
    DataProvider p = Holder.DATA;
    if (p == null) {
      throw new Cpt4jException(
          "no data-pipeline implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }

  /**
   * The trainer implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static TrainerProvider trainer() {
    TrainerProvider p = Holder.TRAINER;
    if (p == null) {
      throw new Cpt4jException("no trainer implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }

  /**
   * The model-merging implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static MergeProvider merge() {
    MergeProvider p = Holder.MERGE;
    if (p == null) {
      throw new Cpt4jException("no merge implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }

  /**
   * The ONNX export and ONNX Runtime implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static OnnxProvider onnx() {
    OnnxProvider p = Holder.ONNX;
    if (p == null) {
      throw new Cpt4jException("no ONNX implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }
}
