package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.MergeReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs a {@link Merge}: checks the inputs agree ({@link InputCheck}), then hands the checkpoint
 * writer one lazy tensor per output tensor (in the target's order) whose values are computed from
 * the memory-mapped inputs, chunk by chunk, as they are written ({@link MergedTensor}). Memory is
 * bounded by a few chunks per thread, whatever the tensor sizes. Stateless; one instance may run
 * several merges at once.
 */
final class MergeEngine {
  /** Default elements per chunk: per input buffer, per parallel task, per phase-1 read. */
  static final int DEFAULT_CHUNK = 1 << 16;

  private final int chunk;

  MergeEngine() {
    this(DEFAULT_CHUNK);
  }

  /** An engine computing in chunks of {@code chunk} elements (small values exercise chunking in tests). */
  MergeEngine(int chunk) {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be positive, got " + chunk);
    }
    this.chunk = chunk;
  }

  MergeReport run(Merge merge, Path output) {
    long start = System.nanoTime();
    InputCheck.Vocabulary vocab = InputCheck.check(merge);
    boolean interpolation = merge.method() instanceof MergeMethod.Slerp || merge.method() instanceof MergeMethod.ModelStock;
    TaskArithmeticKernel.Rule rule = interpolation ? null : TaskArithmeticKernel.Rule.of(merge.method());
    int numLayers = merge.target().config().numLayers();
    ConcurrentLinkedQueue<TensorMerge.Scratch> buffers = new ConcurrentLinkedQueue<>();
    List<Tensor> out = new ArrayList<>();
    int merged = 0;
    long inputBytes = 0;
    for (TensorInfo t : merge.target().tensors()) {
      String name = t.name();
      boolean vocabRows = vocab.differs() && InputCheck.isVocabularyTensor(name);
      Tensor source = vocabRows ? vocab.from().tensor(name) : merge.target().tensor(name);
      if (!t.dtype().isFloatingPoint() || !merge.merges(name)) {
        out.add(source);
        continue;
      }
      merged++;
      long count = vocabRows ? vocab.sharedElements(t) : t.elementCount();
      inputBytes += bytesRead(merge, rule, name, count);
      double pos = LayerPosition.of(name, numLayers);
      double[] weights = new double[merge.models().size()];
      double[] densities = new double[merge.models().size()];
      Tensor[] models = new Tensor[merge.models().size()];
      for (int k = 0; k < densities.length; k++) {
        MergeInput m = merge.models().get(k);
        weights[k] = m.weight().at(name, pos);
        densities[k] = m.density().at(name, pos);
        MergeInput.checkDensity(m.checkpoint(), name, densities[k]);
        models[k] = m.checkpoint().tensor(name);
      }
      Tensor target = merge.target().tensor(name);
      Tensor base = merge.base() == merge.target() ? target : merge.base().tensor(name);
      ChunkedMerge tm = interpolation ? interpolation(merge, name, t, base, models, pos, count)
          : new TensorMerge(rule, name, base, target, models, weights, densities, count, chunk);
      TensorInfo info = new TensorInfo(name, t.dtype(), source.shape());
      out.add(new MergedTensor(info, tm, count < info.elementCount() ? source : null, chunk, buffers));
    }
    Checkpoint filesFrom = vocab.differs() ? vocab.from() : merge.target();
    if (vocab.differs() && merge.tokenizerFrom().isPresent() && merge.tokenizerFrom().get() != vocab.from()) {
      throw new MergeException("the vocabulary comes from " + vocab.from().directory() + " but the tokenizer from "
          + merge.tokenizerFrom().get().directory() + ": with differing vocabularies they must be the same model");
    }
    CheckpointWriter writer = CheckpointWriter.to(output).dtype(merge.dtype()).maxShardSize(merge.maxShardSize())
        .copyFilesFrom(filesFrom).overwrite(merge.overwrite())
        .metadata(Map.of("merge_method", merge.method().name()));
    if (merge.tokenizerFrom().isPresent() && merge.tokenizerFrom().get() != filesFrom) {
      writer = writer.tokenizerFilesFrom(merge.tokenizerFrom().get());
    }
    List<Path> files;
    Path templateDir = null;
    try {
      if (merge.chatTemplate().isPresent()) { // a file under its final name, copied in by the writer
        templateDir = java.nio.file.Files.createTempDirectory("cpt4j-chat-template");
        writer = writer.copyFile(java.nio.file.Files.writeString(templateDir.resolve("chat_template.jinja"),
            merge.chatTemplate().get()));
      }
      files = writer.write(out);
    } catch (java.io.IOException e) {
      throw new MergeException("merge into " + output + " failed: cannot stage the chat template: " + e.getMessage(), e);
    } catch (UnsupportedOperationException | IllegalStateException e) {
      throw new MergeException("merge into " + output + " failed: " + e.getMessage(), e);
    } finally {
      if (templateDir != null) {
        try {
          java.nio.file.Files.deleteIfExists(templateDir.resolve("chat_template.jinja"));
          java.nio.file.Files.deleteIfExists(templateDir);
        } catch (java.io.IOException ignored) {
          // a leftover temporary file in the system temp directory is harmless
        }
      }
    }
    return new MergeReport(output, files, merged, out.size() - merged, inputBytes,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** slerp's {@code t} for this tensor, or model_stock's rows; the statistics come in phase 1. */
  private ChunkedMerge interpolation(Merge merge, String name, TensorInfo t, Tensor base, Tensor[] models,
      double pos, long count) {
    return switch (merge.method()) {
      case MergeMethod.Slerp s -> new InterpolationMerge(s, name, base, models, s.t().at(name, pos), 1, count, chunk);
      case MergeMethod.ModelStock ms -> new InterpolationMerge(ms, name, base, models, 0,
          ms.filterWise() ? ModelStockKernel.rowLength(t.shape(), true) : count, count, chunk);
      default -> throw new IllegalArgumentException(merge.method().name());
    };
  }

  /** Bytes of the inputs read for {@code count} elements of tensor {@code name}. */
  private static long bytesRead(Merge merge, TaskArithmeticKernel.Rule rule, String name, long count) {
    long n = count * merge.target().tensor(name).dtype().byteSize();
    if ((rule == null || !rule.linear()) && merge.base() != merge.target()) {
      n += count * merge.base().tensor(name).dtype().byteSize();
    }
    for (MergeInput m : merge.models()) {
      n += count * m.checkpoint().tensor(name).dtype().byteSize();
    }
    return n;
  }

  /** Checkpoints taking part: the base, the target if different, the models. */
  static List<Checkpoint> inputs(Merge merge) {
    List<Checkpoint> all = new ArrayList<>();
    all.add(merge.base());
    if (merge.target() != merge.base()) {
      all.add(merge.target());
    }
    merge.models().forEach(m -> all.add(m.checkpoint()));
    return all;
  }
}
