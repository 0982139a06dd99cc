package io.cpt4j.eval;

/**
 * The answer to a {@link LoglikelihoodRequest}, as lm-evaluation-harness reports it: the sum of the
 * continuation tokens' natural-log probabilities, and whether each continuation token is the
 * model's most likely next token (greedy decoding would have produced the continuation). Immutable.
 *
 * @param logprob sum over the continuation of {@code log p(token | everything before it)}, at most 0
 * @param greedy whether every continuation token is an argmax of its position's logits
 * @param tokens continuation tokens scored
 */
public record Loglikelihood(double logprob, boolean greedy, int tokens) {}
