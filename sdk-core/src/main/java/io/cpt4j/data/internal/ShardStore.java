package io.cpt4j.data.internal;

import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;

/** Token shards on disk. STUB: to be implemented. */
public final class ShardStore {
  private ShardStore() {}

  public static TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory, ShardOptions options) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static TokenDataset open(Path directory) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
