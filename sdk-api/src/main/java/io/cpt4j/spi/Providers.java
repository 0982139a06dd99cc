package io.cpt4j.spi;

import io.cpt4j.Cpt4jException;
import java.util.ServiceLoader;

/**
 * Finds the registered format, tokenizer, data, trainer, merge, ONNX, scorer, task, plan, growth, vocabulary and LoRA providers.
 * Thread-safe; looks them up once.
 */
public final class Providers {
  private Providers() {}

  private static final class Holder {
    static final FormatProvider FORMAT = load(FormatProvider.class);
    static final TokenizerProvider TOKENIZER = load(TokenizerProvider.class);
    static final DataProvider DATA = load(DataProvider.class);
    static final TrainerProvider TRAINER = load(TrainerProvider.class);
    static final MergeProvider MERGE = load(MergeProvider.class);
    static final OnnxProvider ONNX = load(OnnxProvider.class);
    static final ScorerProvider SCORER = load(ScorerProvider.class);
    static final TaskProvider TASKS = load(TaskProvider.class);
    static final PlanProvider PLAN = load(PlanProvider.class);
    static final GrowthProvider GROWTH = load(GrowthProvider.class);
    static final VocabularyProvider VOCABULARY = load(VocabularyProvider.class);
    static final LoraProvider LORA = load(LoraProvider.class);

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
    return require(Holder.FORMAT, "checkpoint");
  }

  /**
   * The tokenizer implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static TokenizerProvider tokenizer() {
    return require(Holder.TOKENIZER, "tokenizer");
  }

  /**
   * The data-pipeline implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static DataProvider data() {
    return require(Holder.DATA, "data-pipeline");
  }

  /**
   * The trainer implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static TrainerProvider trainer() {
    return require(Holder.TRAINER, "trainer");
  }

  /**
   * The model-merging implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static MergeProvider merge() {
    return require(Holder.MERGE, "merge");
  }

  /**
   * The ONNX export and ONNX Runtime implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static OnnxProvider onnx() {
    return require(Holder.ONNX, "ONNX");
  }

  /**
   * The task-evaluation scorer implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static ScorerProvider scorer() {
    return require(Holder.SCORER, "scorer");
  }

  /**
   * The evaluation-task implementation (lm-evaluation-harness task files) from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static TaskProvider tasks() {
    return require(Holder.TASKS, "task");
  }

  /**
   * The planning implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static PlanProvider plan() {
    return require(Holder.PLAN, "planning");
  }

  /**
   * The growth implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static GrowthProvider growth() {
    return require(Holder.GROWTH, "growth");
  }

  /**
   * The vocabulary-extension implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static VocabularyProvider vocabulary() {
    return require(Holder.VOCABULARY, "vocabulary");
  }

  /**
   * The LoRA extraction and application implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static LoraProvider lora() {
    return require(Holder.LORA, "LoRA");
  }

  private static <T> T require(T provider, String what) {
    if (provider == null) {
      throw new Cpt4jException("no " + what + " implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return provider;
  }
}
