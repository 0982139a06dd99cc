package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.spi.ScorerProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * sdk-core's {@link ScorerProvider}: an {@link OnnxScorer} for a directory holding {@code
 * model.onnx} when no backend is given, else a {@link CheckpointScorer} on {@code backend} (the CPU
 * backend with {@link Scorer.Options#threads()} threads when none is given), its session opened
 * with {@link SessionOptions#defaults()} (float32). Stateless and thread-safe.
 */
public final class CoreScorerProvider implements ScorerProvider {

  @Override
  public Scorer open(Path model, Backend backend, Scorer.Options options) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(options, "options (use Scorer.Options.defaults())");
    if (backend == null && Files.isRegularFile(model.resolve("model.onnx"))) {
      return new OnnxScorer(OrtModel.load(model, options.threads()), options);
    }
    Backend on = backend != null ? backend : Backends.cpu(options.threads());
    try (Checkpoint checkpoint = Checkpoint.open(model)) {
      return new CheckpointScorer(on.open(checkpoint, SessionOptions.defaults()), options);
    }
  }

  /**
   * A scorer over an open session it borrows, such as a trainer's live session: scoring runs the
   * session's forward passes without autograd and leaves its weights, optimizer and random state as
   * they were; closing the scorer leaves the session open (its owner closes it).
   */
  public static Scorer borrowing(TrainingSession session, Scorer.Options options) {
    return new CheckpointScorer(session, Objects.requireNonNull(options, "options"), false);
  }
}
