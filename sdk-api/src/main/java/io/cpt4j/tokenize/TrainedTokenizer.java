package io.cpt4j.tokenize;

import java.nio.file.Path;

/**
 * What {@link BpeTrainer#train} wrote. {@code vocabSize} is below the requested size when training
 * stopped early because no pair reached {@link BpeTrainer#minFrequency()}. Immutable.
 *
 * @param file the {@code tokenizer.json} written
 * @param vocabSize tokens in it: 256 bytes, merged tokens and special tokens
 * @param merges merge rules learned (more than merged tokens when two merges spell the same token)
 * @param corpusBytes UTF-8 bytes of training text, special tokens excluded
 * @param distinctWords distinct pre-tokenized words counted
 */
public record TrainedTokenizer(Path file, int vocabSize, int merges, long corpusBytes, int distinctWords) {}
