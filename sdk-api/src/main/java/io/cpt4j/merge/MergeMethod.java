package io.cpt4j.merge;

import java.util.List;
import java.util.Optional;

/**
 * A merge method with its declared parameters, following mergekit's definitions. The {@link
 * GeneralizedTaskArithmetic} methods are configurations of one rule (linear, sce, ram, the
 * spherical methods, model_stock, nearswap and passthrough have formulas of their own): for every tensor, each
 * model's task vector {@code δᵢ = xᵢ − base} is sparsified (TIES: keep the largest {@code density}
 * fraction of |δᵢ|; DARE: keep each entry with probability {@code density} and rescale by {@code
 * 1/density}), weighted ({@code wᵢ·δᵢ}), optionally filtered by sign consensus (TIES: keep entries
 * whose sign agrees with the sign of {@code Σ wᵢδᵢ}), summed, optionally divided by the sum of the
 * weights that contributed to each entry ({@code normalize}), scaled by {@code lambda}, and added to
 * the base (or to {@link Merge.Builder#onto the chosen target}). Computation is in float32.
 *
 * <p>Each method is declared once, in its {@link MethodDeclaration} ({@link #declaration}): name,
 * reference, parameters with types and defaults. The records' no-argument constructors, the YAML
 * codec of {@link MergeConfig} and {@code cpt4j merge --help} take them from there.
 *
 * <p>All implementations are immutable records and thread-safe.
 */
public sealed interface MergeMethod {

  /** The mergekit name, e.g. {@code "ties"}: the {@link #declaration}'s. */
  default String name() {
    return declaration().name();
  }

  /** The method's declaration: its parameters, defaults, reference. */
  MethodDeclaration declaration();

  /** The parameters the method declares; see {@link MethodDeclaration#parameters}. */
  default List<MergeParameter> parameters() {
    return declaration().parameters();
  }

  /**
   * Every merge method's declaration, in this order: linear, task_arithmetic, ties, dare_linear,
   * dare_ties, breadcrumbs, breadcrumbs_ties, della, della_linear, sce, ram, ramplus_tl, slerp, nuslerp,
   * multislerp, karcher, model_stock, nearswap, passthrough, chat_vector.
   */
  static List<MethodDeclaration> declarations() {
    return MethodDeclarations.ALL;
  }

  /** The declaration of the method called {@code name} (mergekit's name), if cpt4j has it. */
  static Optional<MethodDeclaration> declaration(String name) {
    return MethodDeclarations.ALL.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /**
   * How the generalized task-arithmetic rule sparsifies each task vector before it is weighted
   * (mergekit's {@code sparsification_method}).
   */
  enum Sparsification {
    /** Keep every entry. */
    NONE,
    /** Keep the {@code ⌊density·n⌋} entries of largest magnitude (TIES). */
    MAGNITUDE,
    /** Keep each entry with probability {@code density} and rescale it by {@code 1/density} (DARE). */
    RANDOM,
    /** Drop the largest {@code gamma} fraction, keep the {@code density} fraction below it (breadcrumbs). */
    MAGNITUDE_OUTLIERS,
    /**
     * Keep each entry with a probability rising with its magnitude rank in its row from {@code density
     * − epsilon} to {@code density + epsilon}, and rescale it by 1/probability (DELLA's MagPrune).
     */
    RANK_SAMPLING
  }

  /**
   * The methods that are configurations of the generalized task-arithmetic rule (see the class
   * comment): the declaration's {@link MethodDeclaration#sparsification sparsification} and {@link
   * MethodDeclaration#consensus sign consensus}, and the record's {@code lambda}, {@code normalize},
   * {@code seed} and {@code gamma}. The chat vector is task arithmetic of one model with {@code
   * lambda = ratio}.
   */
  sealed interface GeneralizedTaskArithmetic extends MergeMethod
      permits TaskArithmetic, Ties, DareLinear, DareTies, Breadcrumbs, BreadcrumbsTies, Della, DellaLinear,
          ChatVector {
    /** Scale of the merged task vector. */
    double lambda();

    /** Whether the sum is divided by the sum of the (agreeing) weights. */
    boolean normalize();

    /** Seed of the DARE or DELLA drop pattern; 0 for methods without one. */
    default long seed() {
      return 0;
    }

    /** Breadcrumbs' outlier fraction; 0 for methods without one. */
    default double gamma() {
      return 0;
    }

    /** DELLA's half-width of the keep probabilities around the density; 0 for methods without one. */
    default double epsilon() {
      return 0;
    }

    /** See {@link MethodDeclaration#sparsification}. */
    default Sparsification sparsification() {
      return declaration().sparsification();
    }

    /** See {@link MethodDeclaration#consensus}. */
    default boolean consensus() {
      return declaration().consensus();
    }
  }

  /**
   * Weighted average of the models' values: {@code Σ wᵢxᵢ}, divided by {@code Σ wᵢ} when {@code
   * normalize}. The base only supplies the config, tokenizer and unmerged tensors. Reference: Wortsman
   * et al., "Model soups", 2022 (arXiv:2203.05482).
   *
   * @param normalize divide by the sum of the weights; default true
   */
  record Linear(boolean normalize) implements MergeMethod {
    public Linear() {
      this(MethodDeclarations.LINEAR.defaults().bool("normalize"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.LINEAR;
    }
  }

  /**
   * {@code base + λ·Σ wᵢδᵢ} (divided by {@code Σ wᵢ} when {@code normalize}). Reference: Ilharco et
   * al., "Editing Models with Task Arithmetic", 2023 (arXiv:2212.04089).
   *
   * @param lambda scale of the summed task vectors; default 1
   * @param normalize divide by the sum of the weights; default false
   */
  record TaskArithmetic(double lambda, boolean normalize) implements GeneralizedTaskArithmetic {
    public TaskArithmetic {
      ParameterChecks.finite("lambda", lambda);
    }

    public TaskArithmetic() {
      this(MethodDeclarations.TASK_ARITHMETIC.defaults().number("lambda"),
          MethodDeclarations.TASK_ARITHMETIC.defaults().bool("normalize"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.TASK_ARITHMETIC;
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
  record Ties(double lambda, boolean normalize) implements GeneralizedTaskArithmetic {
    public Ties {
      ParameterChecks.finite("lambda", lambda);
    }

    public Ties() {
      this(MethodDeclarations.TIES.defaults().number("lambda"), MethodDeclarations.TIES.defaults().bool("normalize"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.TIES;
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
  record DareLinear(double lambda, boolean normalize, long seed) implements GeneralizedTaskArithmetic {
    public DareLinear {
      ParameterChecks.finite("lambda", lambda);
    }

    public DareLinear() {
      this(MethodDeclarations.DARE_LINEAR.defaults().number("lambda"),
          MethodDeclarations.DARE_LINEAR.defaults().bool("normalize"),
          MethodDeclarations.DARE_LINEAR.defaults().integer("seed"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.DARE_LINEAR;
    }
  }

  /**
   * DARE drop-and-rescale followed by TIES sign consensus and disjoint mean. Parameters and
   * reproducibility as in {@link DareLinear}; {@code normalize} defaults to true.
   */
  record DareTies(double lambda, boolean normalize, long seed) implements GeneralizedTaskArithmetic {
    public DareTies {
      ParameterChecks.finite("lambda", lambda);
    }

    public DareTies() {
      this(MethodDeclarations.DARE_TIES.defaults().number("lambda"),
          MethodDeclarations.DARE_TIES.defaults().bool("normalize"),
          MethodDeclarations.DARE_TIES.defaults().integer("seed"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.DARE_TIES;
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
  record Breadcrumbs(double lambda, boolean normalize, double gamma) implements GeneralizedTaskArithmetic {
    public Breadcrumbs {
      ParameterChecks.finite("lambda", lambda);
      ParameterChecks.gamma(gamma);
    }

    public Breadcrumbs() {
      this(MethodDeclarations.BREADCRUMBS.defaults().number("lambda"),
          MethodDeclarations.BREADCRUMBS.defaults().bool("normalize"),
          MethodDeclarations.BREADCRUMBS.defaults().number("gamma"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.BREADCRUMBS;
    }
  }

  /**
   * {@link Breadcrumbs} sparsification followed by TIES sign consensus and disjoint mean ({@code
   * normalize} defaults to true).
   */
  record BreadcrumbsTies(double lambda, boolean normalize, double gamma) implements GeneralizedTaskArithmetic {
    public BreadcrumbsTies {
      ParameterChecks.finite("lambda", lambda);
      ParameterChecks.gamma(gamma);
    }

    public BreadcrumbsTies() {
      this(MethodDeclarations.BREADCRUMBS_TIES.defaults().number("lambda"),
          MethodDeclarations.BREADCRUMBS_TIES.defaults().bool("normalize"),
          MethodDeclarations.BREADCRUMBS_TIES.defaults().number("gamma"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.BREADCRUMBS_TIES;
    }
  }

  /**
   * DELLA: per row of each task vector, rank the entries by magnitude and keep each with probability
   * {@code density − epsilon} (the smallest) rising linearly to {@code density + epsilon} (the
   * largest), rescaled by 1/probability (mergekit's {@code della_magprune}); then TIES sign consensus
   * and, when {@code normalize}, the disjoint mean; scaled by {@code lambda}. Density 1 keeps
   * everything (TIES without trimming); epsilon 0 is {@link DareTies} with the same drop pattern. The
   * draw is seeded like DARE's. Reference: Deep et al., "DELLA-Merging: Reducing Interference in Model
   * Merging through Magnitude-Based Sampling", 2024 (arXiv:2406.11617).
   *
   * @param lambda scale of the merged vector; default 1
   * @param normalize divide by the sum of the agreeing weights; default true
   * @param epsilon half-width of the keep probabilities, ≥ 0 (and {@code density ± epsilon} must lie in
   *     (0, 1) for each density below 1); default 0.15
   * @param seed seed of the drop pattern; default 0
   */
  record Della(double lambda, boolean normalize, double epsilon, long seed) implements GeneralizedTaskArithmetic {
    public Della {
      ParameterChecks.finite("lambda", lambda);
      ParameterChecks.dellaEpsilon(epsilon);
    }

    public Della() {
      this(MethodDeclarations.DELLA.defaults().number("lambda"), MethodDeclarations.DELLA.defaults().bool("normalize"),
          MethodDeclarations.DELLA.defaults().number("epsilon"), MethodDeclarations.DELLA.defaults().integer("seed"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.DELLA;
    }
  }

  /** {@link Della}'s sparsification without sign consensus ({@code normalize} defaults to false). */
  record DellaLinear(double lambda, boolean normalize, double epsilon, long seed) implements GeneralizedTaskArithmetic {
    public DellaLinear {
      ParameterChecks.finite("lambda", lambda);
      ParameterChecks.dellaEpsilon(epsilon);
    }

    public DellaLinear() {
      this(MethodDeclarations.DELLA_LINEAR.defaults().number("lambda"),
          MethodDeclarations.DELLA_LINEAR.defaults().bool("normalize"),
          MethodDeclarations.DELLA_LINEAR.defaults().number("epsilon"),
          MethodDeclarations.DELLA_LINEAR.defaults().integer("seed"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.DELLA_LINEAR;
    }
  }

  /**
   * SCE (select, calculate, erase), per tensor: keep the positions whose task-vector variance across
   * the models is among the top {@code selectTopk} fraction of the non-zero variances (all when 1);
   * weight each model by the mean square of its selected task vector (normalized to sum 1); keep the
   * entries whose sign agrees with that of the unweighted sum, and divide their weighted sum by their
   * weights. Weights from the config are not used. Reference: Wan et al., "FuseChat: Knowledge
   * Fusion of Chat Models", 2024 (arXiv:2408.07990); mergekit's {@code sce}.
   *
   * @param selectTopk fraction of positions kept by variance, in (0, 1]; default 1
   */
  record Sce(double selectTopk) implements MergeMethod {
    public Sce {
      if (!(selectTopk > 0 && selectTopk <= 1)) {
        throw new MergeException("select_topk must be in (0, 1], got " + selectTopk);
      }
    }

    public Sce() {
      this(MethodDeclarations.SCE.defaults().number("select_topk"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.SCE;
    }
  }

  /**
   * RAM (Reinforced Agent Merging), per element: with task vectors {@code δₖ = xₖ − base}, model
   * {@code k} contributes where {@code |δₖ| > epsilon}; an element one model contributes to takes
   * its {@code δₖ}, one several contribute to the mean of theirs, one none contributes to stays the
   * base. Weights from the config are not used. Reference: Yuan et al., "Behavior Knowledge Merge in
   * Reinforced Agentic Models", 2026 (arXiv:2601.13572); mergekit's {@code ram}.
   *
   * @param epsilon the magnitude a task-vector entry must exceed to contribute, ≥ 0; default 1e-5
   */
  record Ram(double epsilon) implements MergeMethod {
    public Ram {
      ParameterChecks.finiteNonNegative("epsilon", epsilon);
    }

    public Ram() {
      this(MethodDeclarations.RAM.defaults().number("epsilon"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.RAM;
    }
  }

  /**
   * RAM+ (tensor-local): {@link Ram}, with each model's unique entries scaled per tensor by {@code
   * λₖ = 1 + r·clamp(ρₖ, 0, alpha)}, {@code ρₖ = sharedₖ / max(uniqueₖ, epsilon)} (its entries
   * contributing to shared elements over those contributing alone). {@code r = 0} is {@link Ram}.
   * Reference: as {@link Ram}; mergekit's {@code ramplus_tl}.
   *
   * @param r the rescaling strength, ≥ 0; default 0.1
   * @param alpha the cap of the overlap ratio, ≥ 0; default 0.2
   * @param epsilon as {@link Ram}'s, ≥ 0; default 1e-5
   */
  record RamplusTl(double r, double alpha, double epsilon) implements MergeMethod {
    public RamplusTl {
      ParameterChecks.finiteNonNegative("r", r);
      ParameterChecks.finiteNonNegative("alpha", alpha);
      ParameterChecks.finiteNonNegative("epsilon", epsilon);
    }

    public RamplusTl() {
      this(MethodDeclarations.RAMPLUS_TL.defaults().number("r"),
          MethodDeclarations.RAMPLUS_TL.defaults().number("alpha"),
          MethodDeclarations.RAMPLUS_TL.defaults().number("epsilon"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.RAMPLUS_TL;
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
    public MethodDeclaration declaration() {
      return MethodDeclarations.SLERP;
    }
  }

  /**
   * NuSLERP: spherical interpolation of exactly two models at {@code t = w₂ / (w₁ + w₂)} (0.5 when
   * the weights sum to zero), of their task vectors when the base is not one of them ({@code base +
   * slerp(t, x₁ − base, x₂ − base)}), else of their values. Each tensor is one vector ({@code flatten}),
   * or each row ({@code flatten} false), or each column ({@code rowWise}, i.e. vectors along dimension
   * 0). Vectors within 1e-8 of colinear ({@code |sin θ|}) are interpolated linearly. Reference:
   * mergekit's {@code nuslerp}.
   *
   * @param rowWise with {@code flatten} false, interpolate vectors along dimension 0; default false
   * @param flatten treat each tensor as one vector; default true
   */
  record Nuslerp(boolean rowWise, boolean flatten) implements MergeMethod {
    public Nuslerp() {
      this(MethodDeclarations.NUSLERP.defaults().bool("nuslerp_row_wise"),
          MethodDeclarations.NUSLERP.defaults().bool("nuslerp_flatten"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.NUSLERP;
    }
  }

  /**
   * Multi-SLERP: per tensor, the weighted mean of the models' unit vectors ({@code xᵢ/(|xᵢ| + eps)};
   * task vectors when the base is not one of the models) projected back onto the sphere through its
   * tangent space, times the weighted mean of their norms, plus the base. One model gives that model;
   * a zero mean direction is linear interpolation for two models and an error for more. Reference:
   * Goddard, "Multi-SLERP", 2025; mergekit's {@code multislerp}.
   *
   * @param normalizeWeights divide the weights by their sum; default true
   * @param eps added to each norm before dividing by it, ≥ 0; default 1e-8
   */
  record Multislerp(boolean normalizeWeights, double eps) implements MergeMethod {
    public Multislerp {
      ParameterChecks.finiteNonNegative("eps", eps);
    }

    public Multislerp() {
      this(MethodDeclarations.MULTISLERP.defaults().bool("normalize_weights"),
          MethodDeclarations.MULTISLERP.defaults().number("eps"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.MULTISLERP;
    }
  }

  /**
   * Karcher mean: per tensor, the equally weighted Riemannian mean of the models' directions on the
   * unit sphere (models with norm at most {@code tol} left out), found by at most {@code maxIter}
   * fixed-point steps from the normalised arithmetic mean, times the mean of all the models' norms.
   * Not a task-vector method: a base given here only supplies config and tokenizer (list it among the
   * models to average it; a merge config's {@code base_model} is added to the models, as in mergekit).
   * Reference: Karcher, "Riemannian center of mass and mollifier smoothing", 1977; mergekit's {@code
   * karcher}.
   *
   * @param maxIter most iterations, ≥ 0; default 10
   * @param tol the step norm that ends the iteration, the angle below which a model pulls no more,
   *     and the norm at most which a model has no direction, ≥ 0; default 1e-5
   */
  record Karcher(long maxIter, double tol) implements MergeMethod {
    public Karcher {
      if (maxIter < 0 || maxIter > Integer.MAX_VALUE) {
        throw new MergeException("max_iter must be in [0, " + Integer.MAX_VALUE + "], got " + maxIter);
      }
      ParameterChecks.finiteNonNegative("tol", tol);
    }

    public Karcher() {
      this(MethodDeclarations.KARCHER.defaults().integer("max_iter"), MethodDeclarations.KARCHER.defaults().number("tol"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.KARCHER;
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
      this(MethodDeclarations.MODEL_STOCK.defaults().bool("filter_wise"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.MODEL_STOCK;
    }
  }

  /**
   * NearSwap: per element, {@code w = clamp(t / |base − model|, 0, 1)} (1 where they are equal) and
   * {@code w·model + (1 − w)·base}: the model's value where it is within {@code t} of the base, a step
   * of length {@code t} towards it elsewhere. {@code t} may vary across layers and by tensor name; 0
   * gives the base. Reference: alchemonaut, QuartetAnemoi-70B-t0.0001 (Hugging Face model card), 2024;
   * mergekit's {@code nearswap}.
   *
   * @param t the sameness threshold, ≥ 0
   */
  record Nearswap(ParamValue t) implements MergeMethod {
    public Nearswap {
      java.util.Objects.requireNonNull(t, "t");
    }

    public Nearswap(double t) {
      this(ParamValue.of(t));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.NEARSWAP;
    }
  }

  /**
   * The single model's tensors, each multiplied by {@code scale} (mergekit's {@code passthrough}; its
   * {@code scale} is usually filtered, e.g. {@code [{filter: o_proj, value: 0}, {value: 1}]}). Tensors
   * with scale 1 are copied unchanged.
   *
   * @param scale the factor per tensor; default 1
   */
  record Passthrough(ParamValue scale) implements MergeMethod {
    public Passthrough {
      java.util.Objects.requireNonNull(scale, "scale");
    }

    public Passthrough() {
      this(MethodDeclarations.PASSTHROUGH.defaults().value("scale"));
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.PASSTHROUGH;
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
  record ChatVector(double ratio) implements GeneralizedTaskArithmetic {
    /** Tensor names kept from the target by default. */
    public static final String DEFAULT_SKIP = ".*(embed_tokens|embed_in|embed_out|lm_head|wte|wpe).*";

    public ChatVector {
      ParameterChecks.finite("ratio", ratio);
    }

    public ChatVector() {
      this(MethodDeclarations.CHAT_VECTOR.defaults().number("ratio"));
    }

    /** {@link #ratio}: the instruction vector is the single task vector, scaled by it. */
    @Override
    public double lambda() {
      return ratio;
    }

    /** False: the instruction vector is added as it is. */
    @Override
    public boolean normalize() {
      return false;
    }

    @Override
    public MethodDeclaration declaration() {
      return MethodDeclarations.CHAT_VECTOR;
    }
  }
}
