package io.cpt4j.spi;

import io.cpt4j.data.Document;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Service-provider interface behind {@link Source#documents()}, {@link TokenDataset} and {@link
 * MixtureSampler}. {@code sdk-core} registers the implementation in {@code META-INF/services}; users
 * do not implement it.
 */
public interface DataProvider {
  Stream<Document> documents(Source source);

  String fingerprint(Source source);

  TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory, ShardOptions options);

  TokenDataset openDataset(Path directory);

  MixtureSampler sampler(Mixture mixture, List<TokenDataset> datasets, Packing packing, long plannedTokens);
}
