/**
 * The loglikelihood scorers behind {@link io.cpt4j.eval.Scorer}: lm-evaluation-harness's requests
 * cut into model windows ({@code Window}), arranged into forward passes packed or padded ({@code
 * RowPacker}, {@code Layout}), and scored on a training session ({@code CheckpointScorer}) or on
 * ONNX Runtime ({@code OnnxScorer}). Registered by {@code CoreScorerProvider}.
 */
package io.cpt4j.eval.internal.scoring;
