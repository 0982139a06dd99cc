package io.cpt4j.merge;

/**
 * A merge method with its declared parameters, following mergekit's definitions. All methods but
 * {@link Linear} are configurations of one generalized task-arithmetic rule: for every tensor, each
 * model's task vector {@code δᵢ = xᵢ − base} is sparsified (TIES: keep the largest {@code density}
 * fraction of |δᵢ|; DARE: keep each entry with probability {@code density} and rescale by {@code
 * 1/density}), weighted ({@code wᵢ·δᵢ}), optionally filtered by sign consensus (TIES: keep entries
 * whose sign agrees with the sign of {@code Σ wᵢδᵢ}), summed, optionally divided by the sum of the
 * weights that contributed to each entry ({@code normalize}), scaled by {@code lambda}, and added to
 * the base (or to {@link Merge.Builder#onto the chosen target}). Computation is in float32.
 *
 * <p>All implementations are immutable records and thread-safe.
 */
public sealed interface MergeMethod {

  /** The mergekit name, e.g. {@code "ties"}. */
  String name();

  /**
   * Weighted average of the models' values: {@code Σ wᵢxᵢ}, divided by {@code Σ wᵢ} when {@code
   * normalize}. The base only supplies the config, tokenizer and unmerged tensors. Reference: Wortsman
   * et al., "Model soups", 2022 (arXiv:2203.05482).
   *
   * @param normalize divide by the sum of the weights; default true
   */
  record Linear(boolean normalize) implements MergeMethod {
    public Linear() {
      this(true);
    }

    @Override
    public String name() {
      return "linear";
    }
  }

  /**
   * {@code base + λ·Σ wᵢδᵢ} (divided by {@code Σ wᵢ} when {@code normalize}). Reference: Ilharco et
   * al., "Editing Models with Task Arithmetic", 2023 (arXiv:2212.04089).
   *
   * @param lambda scale of the summed task vectors; default 1
   * @param normalize divide by the sum of the weights; default false
   */
  record TaskArithmetic(double lambda, boolean normalize) implements MergeMethod {
    public TaskArithmetic {
      requireFinite("lambda", lambda);
    }

    public TaskArithmetic() {
      this(1, false);
    }

    @Override
    public String name() {
      return "task_arithmetic";
    }
  }

  /**
   * TIES: trim each task vector to its top {@code density} fraction by magnitude (per tensor),
   * elect a sign per entry from {@code Σ wᵢδᵢ} (zero counts as positive), and average the agreeing
   * entries (disjoint mean, when {@code normalize}). Reference: Yadav et al., "TIES-Merging:
   * Resolving Interference When Merging Models", 2023 (arXiv:2306.01708).
   *
   * @param lambda scale of the merged vector; default 1
   * @param normalize divide each entry by the sum of the weights of the agreeing models; default true
   */
  record Ties(double lambda, boolean normalize) implements MergeMethod {
    public Ties {
      requireFinite("lambda", lambda);
    }

    public Ties() {
      this(1, true);
    }

    @Override
    public String name() {
      return "ties";
    }
  }

  /**
   * DARE with linear combination: drop each task-vector entry with probability {@code 1 − density},
   * rescale the kept ones by {@code 1/density}, then task arithmetic. The drop pattern is a pure
   * function of {@code seed}, the tensor name, the model's position and the element index, so a
   * merge is reproducible and independent of threading. Reference: Yu et al., "Language Models are
   * Super Mario", 2024 (arXiv:2311.03099).
   *
   * @param lambda scale of the merged vector; default 1
   * @param normalize divide by the sum of the weights; default false
   * @param seed seed of the drop pattern; default 0
   */
  record DareLinear(double lambda, boolean normalize, long seed) implements MergeMethod {
    public DareLinear {
      requireFinite("lambda", lambda);
    }

    public DareLinear() {
      this(1, false, 0);
    }

    @Override
    public String name() {
      return "dare_linear";
    }
  }

  /**
   * DARE drop-and-rescale followed by TIES sign consensus and disjoint mean. Parameters and
   * reproducibility as in {@link DareLinear}; {@code normalize} defaults to true.
   */
  record DareTies(double lambda, boolean normalize, long seed) implements MergeMethod {
    public DareTies {
      requireFinite("lambda", lambda);
    }

    public DareTies() {
      this(1, true, 0);
    }

    @Override
    public String name() {
      return "dare_ties";
    }
  }

  /**
   * The chat/instruction vector: {@code target + ratio·(instruct − base)}, where the target is the
   * continually pre-trained model given with {@link Merge.Builder#onto} and the single merge input
   * is the instruction-tuned model. Tensors matching {@link #DEFAULT_SKIP} (embeddings and LM head,
   * whose rows differ when vocabularies changed) are taken from the target unless the builder's
   * {@code exclude} pattern is set explicitly. Reference: Huang et al., "Chat Vector", 2024
   * (arXiv:2310.04799).
   *
   * @param ratio scale of the instruction vector; default 1
   */
  record ChatVector(double ratio) implements MergeMethod {
    /** Tensor names kept from the target by default. */
    public static final String DEFAULT_SKIP = ".*(embed_tokens|embed_in|embed_out|lm_head|wte|wpe).*";

    public ChatVector {
      requireFinite("ratio", ratio);
    }

    public ChatVector() {
      this(1);
    }

    @Override
    public String name() {
      return "chat_vector";
    }
  }

  private static void requireFinite(String what, double v) {
    if (!Double.isFinite(v)) {
      throw new MergeException(what + " must be finite, got " + v);
    }
  }
}
