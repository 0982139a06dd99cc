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
   * Model breadcrumbs: from each task vector drop the largest {@code gamma} fraction of entries by
   * magnitude (outliers) and then the smallest, keeping the {@code density} fraction ranked just below
   * the outliers (mergekit's {@code magnitude_outliers}, per tensor), then task arithmetic. Counts as
   * in mergekit: of {@code n} entries {@code ⌊density·n⌋} are kept after dropping the {@code
   * ⌊gamma·n⌋} largest; when both do not fit ({@code density + gamma > 1}) fewer outliers are dropped
   * so that {@code ⌊density·n⌋} remain; with {@code density = 1} nothing is dropped. Magnitudes are
   * ranked with ties broken by index (earlier entries rank higher); kept entries are not rescaled.
   * (Where mergekit drops no outlier, {@code ⌊gamma·n⌋ = 0}, its slice {@code indices[n_bot:-0]}
   * keeps nothing; here it keeps the {@code density} fraction, as with {@code gamma > 0}.) Reference: Davari and
   * Belilovsky, "Model Breadcrumbs: Scaling Multi-Task Model Merging with Sparse Masks", 2024
   * (arXiv:2312.06795).
   *
   * @param lambda scale of the merged vector; default 1
   * @param normalize divide by the sum of the weights; default false
   * @param gamma fraction of largest-magnitude entries dropped, in [0, 1); default 0.01
   */
  record Breadcrumbs(double lambda, boolean normalize, double gamma) implements MergeMethod {
    public Breadcrumbs {
      requireFinite("lambda", lambda);
      requireGamma(gamma);
    }

    public Breadcrumbs() {
      this(1, false, 0.01);
    }

    @Override
    public String name() {
      return "breadcrumbs";
    }
  }

  /**
   * {@link Breadcrumbs} sparsification followed by TIES sign consensus and disjoint mean ({@code
   * normalize} defaults to true).
   */
  record BreadcrumbsTies(double lambda, boolean normalize, double gamma) implements MergeMethod {
    public BreadcrumbsTies {
      requireFinite("lambda", lambda);
      requireGamma(gamma);
    }

    public BreadcrumbsTies() {
      this(1, true, 0.01);
    }

    @Override
    public String name() {
      return "breadcrumbs_ties";
    }
  }

  /**
   * Spherical linear interpolation between the base ({@code t = 0}) and the single merged model
   * ({@code t = 1}), per tensor, treating each tensor as one vector: the angle comes from the
   * normalised tensors, the interpolation is applied to the originals. Near-parallel tensors ({@code
   * |cos| > 0.9995}, mergekit's threshold) are linearly interpolated instead. {@code t} may vary
   * across layers and by tensor name (mergekit's {@code t: [{filter: self_attn, value: [0, 0.5, 1]},
   * {value: 0.5}]}). The models' weights and densities are ignored. Reference: Shoemake, "Animating rotation with quaternion curves", 1985; mergekit.
   *
   * @param t interpolation position; values outside [0, 1] extrapolate
   */
  record Slerp(ParamValue t) implements MergeMethod {
    /** |cos| above which tensors are linearly interpolated. */
    public static final double DOT_THRESHOLD = 0.9995;

    public Slerp {
      java.util.Objects.requireNonNull(t, "t");
    }

    public Slerp(double t) {
      this(ParamValue.of(t));
    }

    @Override
    public String name() {
      return "slerp";
    }
  }

  /**
   * Model Stock: with {@code N ≥ 2} fine-tuned models, per tensor (or per row when {@code
   * filterWise}) take the average cosine θ between their task vectors and return {@code r·mean(xᵢ) +
   * (1 − r)·base} with {@code r = N·cos θ / (1 + (N − 1)·cos θ)}. Weights and densities are ignored.
   * Reference: Jang et al., "Model Stock: All we need is just a few fine-tuned models", 2024
   * (arXiv:2403.19522).
   *
   * @param filterWise compute the ratio per output row instead of per tensor; default false
   */
  record ModelStock(boolean filterWise) implements MergeMethod {
    public ModelStock() {
      this(false);
    }

    @Override
    public String name() {
      return "model_stock";
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

  private static void requireGamma(double gamma) {
    if (!(gamma >= 0 && gamma < 1)) {
      throw new MergeException("gamma must be in [0, 1), got " + gamma);
    }
  }

  private static void requireFinite(String what, double v) {
    if (!Double.isFinite(v)) {
      throw new MergeException(what + " must be finite, got " + v);
    }
  }
}
