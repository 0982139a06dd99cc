/**
 * Adapting a model's tokenizer to a new domain or language: {@link io.cpt4j.vocab.VocabularyExtension}
 * learns new BPE merges on a corpus on top of the existing ones and resizes the checkpoint, reported
 * by a {@link io.cpt4j.vocab.VocabularyReport}.
 */
package io.cpt4j.vocab;
