package io.cpt4j.merge;

import static io.cpt4j.merge.MergeParameter.Scope.GLOBAL;
import static io.cpt4j.merge.MergeParameter.Scope.PER_MODEL;
import static io.cpt4j.merge.MergeParameter.Scope.UNIFORM;
import static io.cpt4j.merge.MergeParameter.Type.BOOLEAN;
import static io.cpt4j.merge.MergeParameter.Type.DENSITY;
import static io.cpt4j.merge.MergeParameter.Type.INTEGER;
import static io.cpt4j.merge.MergeParameter.Type.NUMBER;
import static io.cpt4j.merge.MergeParameter.Type.VALUE;

import io.cpt4j.merge.MergeMethod.Sparsification;
import io.cpt4j.merge.MethodDeclaration.Arguments;
import io.cpt4j.merge.MethodDeclaration.BaseRole;
import io.cpt4j.merge.MethodDeclaration.Models;
import java.util.List;
import java.util.function.Function;

/**
 * The registry: every merge method's one declaration, with mergekit's names, parameters and
 * defaults, in the order {@link MergeMethod#declarations} lists them. Stateless.
 */
final class MethodDeclarations {
  private MethodDeclarations() {}

  // ---- parameters several methods share

  private static final MergeParameter LAMBDA = MergeParameter.of("lambda", NUMBER, GLOBAL, "1",
      "scale of the merged task vector");
  private static final MergeParameter INT8_MASK = MergeParameter.ignored("int8_mask",
      "a memory option of mergekit's torch implementation");
  private static final MergeParameter SEED = MergeParameter.of("seed", INTEGER, GLOBAL, "0",
      "seed of the drop pattern, a pure function of the seed, tensor name, model position and element index");
  private static final MergeParameter RESCALES = MergeParameter.fixed("rescale", true,
      "DARE and DELLA always rescale the kept entries by 1/(keep probability)");
  private static final MergeParameter WEIGHT = MergeParameter.required("weight", VALUE, PER_MODEL,
      "the coefficient of the model's task vector (of its values for linear)");
  private static final MergeParameter DENSITY_ = MergeParameter.of("density", DENSITY, PER_MODEL, "1",
      "the fraction of the model's task vector kept");
  private static final MergeParameter GAMMA = MergeParameter.of("gamma", NUMBER, UNIFORM, "0.01",
      "the fraction of largest-magnitude entries dropped, in [0, 1)");
  // DELLA: mergekit reads lambda and epsilon per model (lambda from the first model); cpt4j takes one
  // value of each for the merge, given at the top level or per model (equal values)
  private static final MergeParameter DELLA_LAMBDA = MergeParameter.of("lambda", NUMBER, UNIFORM, "1",
      "scale of the merged task vector");
  private static final MergeParameter EPSILON = MergeParameter.of("epsilon", NUMBER, UNIFORM, "0.15",
      "half-width of the keep probabilities: density - epsilon for a row's smallest magnitude, density + epsilon "
          + "for its largest");

  private static MergeParameter normalize(boolean dflt) {
    return MergeParameter.of("normalize", BOOLEAN, GLOBAL, Boolean.toString(dflt),
        "divide by the sum of the weights (of the agreeing models, with sign consensus)");
  }

  private static MergeParameter noRescale(String method) {
    return MergeParameter.fixed("rescale", false, method + " does not rescale the kept entries");
  }

  // ---- the methods

  static final MethodDeclaration LINEAR = plain("linear", "weighted average of the models' values",
      "Wortsman et al., Model soups, 2022, arXiv:2203.05482", List.of(normalize(true), WEIGHT),
      Models.AT_LEAST_ONE, BaseRole.FILES, a -> new MergeMethod.Linear(a.bool("normalize")));

  static final MethodDeclaration TASK_ARITHMETIC = generalized("task_arithmetic",
      "base + lambda * sum of w * (model - base)",
      "Ilharco et al., Editing Models with Task Arithmetic, 2023, arXiv:2212.04089",
      List.of(LAMBDA, normalize(false), INT8_MASK, WEIGHT), Sparsification.NONE, false,
      a -> new MergeMethod.TaskArithmetic(a.number("lambda"), a.bool("normalize")));

  static final MethodDeclaration TIES = generalized("ties",
      "keep the largest |task vector| entries, elect signs, disjoint mean",
      "Yadav et al., TIES-Merging, 2023, arXiv:2306.01708",
      List.of(LAMBDA, normalize(true), INT8_MASK, noRescale("ties"), WEIGHT, DENSITY_), Sparsification.MAGNITUDE,
      true, a -> new MergeMethod.Ties(a.number("lambda"), a.bool("normalize")));

  static final MethodDeclaration DARE_LINEAR = generalized("dare_linear",
      "random drop and rescale, then task arithmetic",
      "Yu et al., Language Models are Super Mario, 2024, arXiv:2311.03099",
      List.of(LAMBDA, normalize(false), INT8_MASK, RESCALES, SEED, WEIGHT, DENSITY_), Sparsification.RANDOM, false,
      a -> new MergeMethod.DareLinear(a.number("lambda"), a.bool("normalize"), a.integer("seed")));

  static final MethodDeclaration DARE_TIES = generalized("dare_ties",
      "random drop and rescale, then TIES sign consensus",
      "Yu et al., Language Models are Super Mario, 2024, arXiv:2311.03099",
      List.of(LAMBDA, normalize(true), INT8_MASK, RESCALES, SEED, WEIGHT, DENSITY_), Sparsification.RANDOM, true,
      a -> new MergeMethod.DareTies(a.number("lambda"), a.bool("normalize"), a.integer("seed")));

  static final MethodDeclaration BREADCRUMBS = generalized("breadcrumbs",
      "drop the largest and the smallest |task vector| entries, then task arithmetic",
      "Davari and Belilovsky, Model Breadcrumbs, 2024, arXiv:2312.06795",
      List.of(LAMBDA, normalize(false), INT8_MASK, noRescale("breadcrumbs"), WEIGHT, DENSITY_, GAMMA),
      Sparsification.MAGNITUDE_OUTLIERS, false,
      a -> new MergeMethod.Breadcrumbs(a.number("lambda"), a.bool("normalize"), a.number("gamma")));

  static final MethodDeclaration BREADCRUMBS_TIES = generalized("breadcrumbs_ties",
      "breadcrumbs sparsification, then TIES sign consensus",
      "Davari and Belilovsky, Model Breadcrumbs, 2024, arXiv:2312.06795",
      List.of(LAMBDA, normalize(true), INT8_MASK, noRescale("breadcrumbs_ties"), WEIGHT, DENSITY_, GAMMA),
      Sparsification.MAGNITUDE_OUTLIERS, true,
      a -> new MergeMethod.BreadcrumbsTies(a.number("lambda"), a.bool("normalize"), a.number("gamma")));

  static final MethodDeclaration DELLA = generalized("della",
      "magnitude-ranked random drop and rescale per row, then TIES sign consensus",
      "Deep et al., DELLA-Merging, 2024, arXiv:2406.11617",
      List.of(normalize(true), INT8_MASK, RESCALES, SEED, WEIGHT, DENSITY_, EPSILON, DELLA_LAMBDA),
      Sparsification.RANK_SAMPLING, true,
      a -> new MergeMethod.Della(a.number("lambda"), a.bool("normalize"), a.number("epsilon"), a.integer("seed")));

  static final MethodDeclaration DELLA_LINEAR = generalized("della_linear",
      "magnitude-ranked random drop and rescale per row, then task arithmetic",
      "Deep et al., DELLA-Merging, 2024, arXiv:2406.11617",
      List.of(normalize(false), INT8_MASK, RESCALES, SEED, WEIGHT, DENSITY_, EPSILON, DELLA_LAMBDA),
      Sparsification.RANK_SAMPLING, false,
      a -> new MergeMethod.DellaLinear(a.number("lambda"), a.bool("normalize"), a.number("epsilon"),
          a.integer("seed")));

  static final MethodDeclaration SCE = plain("sce",
      "keep high-variance positions, weight models by mean square, erase sign conflicts",
      "Wan et al., FuseChat, 2024, arXiv:2408.07990",
      List.of(INT8_MASK, MergeParameter.of("select_topk", NUMBER, GLOBAL, "1",
          "fraction of positions kept by the variance of the task vectors across the models, in (0, 1]")),
      Models.AT_LEAST_ONE, BaseRole.REFERENCE, a -> new MergeMethod.Sce(a.number("select_topk")));

  // RAM: mergekit's ram.py (one definition for both methods, global parameters only)
  private static final MergeParameter RAM_EPSILON = MergeParameter.of("epsilon", NUMBER, GLOBAL, "1e-5",
      "a task-vector entry contributes when its magnitude exceeds epsilon, >= 0");
  private static final String RAM_PAPER =
      "Yuan et al., Behavior Knowledge Merge in Reinforced Agentic Models (RAM), 2026, arXiv:2601.13572";

  static final MethodDeclaration RAM = plain("ram",
      "per element: the task vector of the one model that changed it, the mean where several did",
      RAM_PAPER, List.of(RAM_EPSILON), Models.AT_LEAST_ONE, BaseRole.REFERENCE,
      a -> new MergeMethod.Ram(a.number("epsilon")));

  static final MethodDeclaration RAMPLUS_TL = plain("ramplus_tl",
      "ram, each model's unique entries scaled by 1 + r * clamp(shared / unique, 0, alpha) per tensor",
      RAM_PAPER, List.of(MergeParameter.of("r", NUMBER, GLOBAL, "0.1", "strength of the rescaling, >= 0"),
          MergeParameter.of("alpha", NUMBER, GLOBAL, "0.2", "cap of a model's shared-to-unique ratio, >= 0"),
          RAM_EPSILON),
      Models.AT_LEAST_ONE, BaseRole.REFERENCE,
      a -> new MergeMethod.RamplusTl(a.number("r"), a.number("alpha"), a.number("epsilon")));

  static final MethodDeclaration SLERP = plain("slerp", "spherical interpolation between the base and one model",
      "Shoemake, Animating rotation with quaternion curves, 1985; mergekit",
      List.of(MergeParameter.required("t", VALUE, GLOBAL, "interpolation position: 0 is the base, 1 the model")),
      Models.EXACTLY_ONE, BaseRole.REFERENCE, a -> new MergeMethod.Slerp(a.value("t")));

  static final MethodDeclaration NUSLERP = plain("nuslerp",
      "spherical interpolation of two models (of their task vectors with a base) at t = w2 / (w1 + w2)",
      "Shoemake, Animating rotation with quaternion curves, 1985; mergekit",
      List.of(MergeParameter.of("nuslerp_row_wise", BOOLEAN, GLOBAL, "false",
              "interpolate the columns (vectors along dimension 0) separately; needs nuslerp_flatten false"),
          MergeParameter.of("nuslerp_flatten", BOOLEAN, GLOBAL, "true",
              "treat each tensor as one vector; false: each row (or column) separately"),
          MergeParameter.required("weight", VALUE, PER_MODEL, "the model's share of the interpolation")),
      Models.EXACTLY_TWO, BaseRole.OPTIONAL_REFERENCE,
      a -> new MergeMethod.Nuslerp(a.bool("nuslerp_row_wise"), a.bool("nuslerp_flatten")));

  static final MethodDeclaration MULTISLERP = plain("multislerp",
      "weighted spherical barycentre of the models (of their task vectors with a base), scaled by their mean norm",
      "Goddard, Multi-SLERP (goddard.blog), 2025; mergekit",
      List.of(MergeParameter.of("normalize_weights", BOOLEAN, GLOBAL, "true", "divide the weights by their sum"),
          MergeParameter.of("eps", NUMBER, GLOBAL, "1e-8", "added to the norms before dividing by them, >= 0"),
          MergeParameter.required("weight", VALUE, PER_MODEL, "the model's weight in the barycentre")),
      Models.AT_LEAST_ONE, BaseRole.OPTIONAL_REFERENCE,
      a -> new MergeMethod.Multislerp(a.bool("normalize_weights"), a.number("eps")));

  static final MethodDeclaration KARCHER = plain("karcher",
      "Riemannian (Karcher) mean of the models' directions on the sphere, scaled by their mean norm",
      "Karcher, Riemannian center of mass and mollifier smoothing, 1977; mergekit",
      List.of(MergeParameter.of("max_iter", INTEGER, GLOBAL, "10", "most iterations of the fixed-point update, >= 0"),
          MergeParameter.of("tol", NUMBER, GLOBAL, "1e-5",
              "convergence tolerance; also the norm below which a model counts as zero, >= 0")),
      Models.AT_LEAST_ONE, BaseRole.INPUT, a -> new MergeMethod.Karcher(a.integer("max_iter"), a.number("tol")));

  static final MethodDeclaration MODEL_STOCK = plain("model_stock",
      "r * mean(models) + (1 - r) * base, r from the angle between the task vectors",
      "Jang et al., Model Stock, 2024, arXiv:2403.19522",
      List.of(MergeParameter.of("filter_wise", BOOLEAN, GLOBAL, "false",
          "compute the ratio per output row instead of per tensor")),
      Models.AT_LEAST_TWO, BaseRole.REFERENCE, a -> new MergeMethod.ModelStock(a.bool("filter_wise")));

  static final MethodDeclaration NEARSWAP = plain("nearswap",
      "the model's value where it is within t of the base, a step of t towards it elsewhere",
      "alchemonaut, QuartetAnemoi-70B-t0.0001 (Hugging Face), 2024; mergekit",
      List.of(MergeParameter.required("t", VALUE, GLOBAL, "the sameness threshold, >= 0 (0 gives the base)")),
      Models.EXACTLY_ONE, BaseRole.REFERENCE, a -> new MergeMethod.Nearswap(a.value("t")));

  static final MethodDeclaration PASSTHROUGH = plain("passthrough", "the one model's tensors, each times scale",
      "mergekit",
      List.of(MergeParameter.of("scale", VALUE, UNIFORM, "1",
          "factor for the model's tensors, usually filtered: [{filter: o_proj, value: 0}, {value: 1}]")),
      Models.EXACTLY_ONE, BaseRole.FILES, a -> new MergeMethod.Passthrough(a.value("scale")));

  static final MethodDeclaration CHAT_VECTOR = new MethodDeclaration("chat_vector",
      "onto + ratio * (instruct - base), embeddings and LM head kept from onto",
      "Huang et al., Chat Vector, 2024, arXiv:2310.04799",
      List.of(MergeParameter.of("ratio", NUMBER, GLOBAL, "1", "scale of the instruction vector")),
      Models.EXACTLY_ONE, BaseRole.REFERENCE, true, Sparsification.NONE, false,
      a -> new MergeMethod.ChatVector(a.number("ratio")));

  /** Every method, in the order of docs/merging.md. */
  static final List<MethodDeclaration> ALL = List.of(LINEAR, TASK_ARITHMETIC, TIES, DARE_LINEAR, DARE_TIES,
      BREADCRUMBS, BREADCRUMBS_TIES, DELLA, DELLA_LINEAR, SCE, RAM, RAMPLUS_TL, SLERP, NUSLERP, MULTISLERP, KARCHER,
      MODEL_STOCK, NEARSWAP, PASSTHROUGH, CHAT_VECTOR);

  private static MethodDeclaration plain(String name, String summary, String reference, List<MergeParameter> params,
      Models models, BaseRole base, Function<Arguments, MergeMethod> factory) {
    return new MethodDeclaration(name, summary, reference, params, models, base, false, Sparsification.NONE,
        false, factory);
  }

  private static MethodDeclaration generalized(String name, String summary, String reference,
      List<MergeParameter> params, Sparsification sparsification, boolean consensus,
      Function<Arguments, MergeMethod> factory) {
    return new MethodDeclaration(name, summary, reference, params, Models.AT_LEAST_ONE, BaseRole.REFERENCE, false,
        sparsification,
        consensus, factory);
  }
}
