package io.cpt4j.spi;

import io.cpt4j.data.Source;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A corpus-preparation engine other than the in-process one of {@link
 * io.cpt4j.data.TokenDataset#prepare}: it writes the same token shards, possibly on a cluster, and
 * may deduplicate and filter on the way. sdk-spark registers {@code "spark"} in {@code
 * META-INF/services}; {@code cpt4j data prepare --engine NAME} finds it with {@link #find}, so the
 * command line needs the engine only on its class path, not at build time. Implementations must load
 * without their own dependencies present and say what is missing when {@link #prepare} runs.
 */
public interface PrepareEngine {
  /** The engine's name on the command line, e.g. {@code "spark"}. */
  String name();

  /**
   * Prepares every target: the shards of {@code target.source()} into {@code target.directory()}
   * (replaced atomically), then returns one JSON object per target (in order) describing what each
   * stage kept and dropped.
   *
   * @throws io.cpt4j.Cpt4jException if the engine's dependencies are missing or a job fails
   */
  List<String> prepare(Request request);

  /** One source and the dataset directory it is prepared into. */
  record Target(Source source, Path directory) {
    public Target {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(directory, "directory");
    }
  }

  /**
   * What to run.
   *
   * @param tokenizerJson the model's {@code tokenizer.json}
   * @param targets the sources and their directories
   * @param master the engine's master (Spark: {@code local[2]}, {@code spark://host:7077}), or null
   *     for the engine's default
   * @param normalize Unicode NFC and {@code \n} line ends
   * @param exactDedup drop exact duplicates (after normalisation)
   * @param nearDedupThreshold drop near duplicates whose Jaccard similarity reaches this, in (0, 1];
   *     0 for none
   * @param qualityFilters apply the engine's default quality filters
   * @param inContextNeighbours write the documents in In-Context Pretraining order with this many
   *     neighbours per document; 0 for none
   */
  record Request(Path tokenizerJson, List<Target> targets, String master, boolean normalize, boolean exactDedup,
      double nearDedupThreshold, boolean qualityFilters, int inContextNeighbours) {
    public Request {
      Objects.requireNonNull(tokenizerJson, "tokenizerJson");
      targets = List.copyOf(targets);
      if (!(nearDedupThreshold >= 0 && nearDedupThreshold <= 1)) {
        throw new IllegalArgumentException("near-dedup threshold must be in [0, 1], got " + nearDedupThreshold);
      }
      if (inContextNeighbours < 0) {
        throw new IllegalArgumentException("in-context neighbours must be >= 0, got " + inContextNeighbours);
      }
    }

    /** A request without the In-Context order stage. */
    public Request(Path tokenizerJson, List<Target> targets, String master, boolean normalize, boolean exactDedup,
        double nearDedupThreshold, boolean qualityFilters) {
      this(tokenizerJson, targets, master, normalize, exactDedup, nearDedupThreshold, qualityFilters, 0);
    }
  }

  /** The registered engine named {@code name}, if its jar is on the class path. */
  static Optional<PrepareEngine> find(String name) {
    for (PrepareEngine e : ServiceLoader.load(PrepareEngine.class, PrepareEngine.class.getClassLoader())) {
      if (e.name().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
