package io.cpt4j.data.internal;

import io.cpt4j.data.Document;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.spi.DataProvider;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The data pipeline behind the sdk-api entry points (registered in META-INF/services). */
public final class CoreDataProvider implements DataProvider {
  @Override
  public Stream<Document> documents(Source source) {
    return SourceReader.documents(source);
  }

  @Override
  public String fingerprint(Source source) {
    return SourceReader.fingerprint(source);
  }

  @Override
  public TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory, ShardOptions options) {
    return ShardStore.prepare(source, tokenizer, directory, options);
  }

  @Override
  public TokenDataset openDataset(Path directory) {
    return ShardStore.open(directory);
  }

  @Override
  public MixtureSampler sampler(Mixture mixture, List<TokenDataset> datasets, Packing packing, long plannedTokens) {
    return new BlendedSampler(mixture, datasets, packing, plannedTokens);
  }
}
