/**
 * Planning continual pre-training: how much domain data to mix in and how many tokens to spend,
 * predicted from a few small pilot runs with the D-CPT Law (Que et al. 2024).
 *
 * <p>{@link io.cpt4j.plan.Observation}s (a run's domain share, tokens, model size and validation
 * losses, read from JSON Lines with {@link io.cpt4j.plan.Observation#read}) are fitted per
 * validation set into a {@link io.cpt4j.plan.MixturePlan} of {@link io.cpt4j.plan.MixtureFit}s,
 * each a {@link io.cpt4j.plan.MixtureLaw} with its goodness of fit. A plan predicts every set's
 * loss for a ratio and budget, recommends the ratio that minimises the domain loss within a bound
 * on the general loss ({@link io.cpt4j.plan.Recommendation}), and gives the tokens a target loss
 * needs ({@link io.cpt4j.plan.MixtureLaw#tokensFor}). Plans are written to and read from JSON.
 *
 * <p>Within one run, a {@link io.cpt4j.plan.CurvePrediction} predicts a validation set's final loss
 * from its evaluations so far, fitting the LR-annealing scaling law (Tissue et al. 2024, {@link
 * io.cpt4j.plan.AnnealingLaw}) over the areas of the run's learning-rate schedule ({@link
 * io.cpt4j.plan.LrAreas}); training does this at every evaluation.
 */
package io.cpt4j.plan;
