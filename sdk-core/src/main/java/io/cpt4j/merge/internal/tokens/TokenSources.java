package io.cpt4j.merge.internal.tokens;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeTokenizer.RowSource;
import java.util.List;

/**
 * The row a {@code tokens:} entry names (mergekit's {@code compute_default_embedding}): the same
 * token in a model, which must have it; zeros; or a model's row by token id or token string ({@code
 * kind: model_token}). Stateless.
 */
final class TokenSources {
  private TokenSources() {}

  /**
   * @throws MergeException if the model lacks the token, or the id or token is out of its vocabulary
   */
  static VocabularyRemap.Row row(RowSource source, String token, int id, List<Checkpoint> inputs,
      TokenizerVocabulary[] vocabs, int[][] perm) {
    return switch (source) {
      case RowSource.Zero z -> new VocabularyRemap.Row.Zero();
      case RowSource.Model m -> {
        int i = index(inputs, m.model(), token);
        if (perm[i][id] < 0) {
          throw new MergeException("tokenizer.tokens[" + token + "]: " + m.model().directory() + " does not have the"
              + " token (name a model that has it, or use {kind: model_token} or {kind: zero})");
        }
        yield new VocabularyRemap.Row.FromInput(i, perm[i][id]);
      }
      case RowSource.ModelToken mt -> {
        int i = index(inputs, mt.model(), token);
        int rows = mt.model().config().vocabSize();
        int row = mt.token() == null ? mt.id() : vocabs[i].ids().getOrDefault(mt.token(), -1);
        if (row < 0 || row >= rows) {
          throw new MergeException("tokenizer.tokens[" + token + "]: " + (mt.token() == null ? "token id " + mt.id()
              + " is outside the " + rows + " rows" : "token " + mt.token() + " is not in the vocabulary") + " of "
              + mt.model().directory());
        }
        yield new VocabularyRemap.Row.FromInput(i, row);
      }
    };
  }

  private static int index(List<Checkpoint> inputs, Checkpoint c, String token) {
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i) == c) {
        return i;
      }
    }
    throw new MergeException("tokenizer.tokens[" + token + "]: " + c.directory() + " is not one of the merged"
        + " checkpoints");
  }
}
