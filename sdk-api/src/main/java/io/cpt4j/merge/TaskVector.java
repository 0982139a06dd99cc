package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A task vector: the per-tensor difference {@code tuned − base} between two checkpoints of one
 * architecture, and linear combinations of such differences (Ilharco et al., "Editing Models with
 * Task Arithmetic", 2023, arXiv:2212.04089).
 *
 * <pre>{@code
 * TaskVector instruction = TaskVector.between(base, instruct).excluding(".*(embed_tokens|lm_head).*");
 * instruction.applyTo(cpt).dtype(DType.BF16).writeTo(Path.of("cpt-instruct"));
 * TaskVector.between(base, cpt).save(Path.of("domain.safetensors"));
 * }</pre>
 *
 * <p>A task vector is a lazy expression, never a map of arrays: nothing is read until a tensor's
 * values are asked for ({@link #tensor}, {@link #save}, {@link Application#writeTo}), and then the
 * values are computed chunk by chunk from the memory-mapped checkpoints, so memory stays bounded by a
 * few chunks whatever the model size. Every expression is reduced, per tensor, to a linear
 * combination {@code Σ cᵢ·xᵢ} of stored tensors (identical operands merged, so {@code
 * between(b, t).applyTo(b)} reproduces {@code t} exactly), evaluated in float64 and rounded once to
 * float32.
 *
 * <p>Tensors: a vector holds the floating-point tensors of its operands (integer and boolean tensors
 * are never part of it). A tensor that a vector lacks counts as zero: {@link #plus} takes the union
 * of its operands' tensors, and {@link #applyTo} copies the target's other tensors unchanged. Shapes
 * of a name must agree wherever it occurs; checks happen when a vector is built with {@link #between},
 * {@link #plus} or {@link #minus} and again whenever it is evaluated, with a {@link MergeException}
 * listing the first mismatches.
 *
 * <p>All implementations are immutable records and thread-safe; they do not close the checkpoints
 * they refer to (a {@link Stored} vector owns its file and is closed by its user).
 */
public sealed interface TaskVector
    permits TaskVector.Delta, TaskVector.Sum, TaskVector.Scaled, TaskVector.Filtered, TaskVector.Stored {

  /**
   * The task vector {@code tuned − base}.
   *
   * @throws MergeException if the architectures differ or the floating-point tensor names and shapes
   *     are not the same in both (the message lists the first mismatches)
   */
  static TaskVector between(Checkpoint base, Checkpoint tuned) {
    Delta d = new Delta(base, tuned);
    d.tensors();
    return d;
  }

  /**
   * Opens a task vector saved with {@link #save} (or any safetensors file of floating-point tensors,
   * single or a {@code .safetensors.index.json}). The file is memory-mapped; close the result.
   *
   * @throws MergeException if the file holds a non-floating-point tensor
   * @throws io.cpt4j.checkpoint.MalformedCheckpointException if it is not a valid safetensors file
   */
  static Stored load(Path file) {
    return Providers.merge().loadTaskVector(file);
  }

  /**
   * {@code this + other}; a tensor present in only one of them is taken from that one.
   *
   * @throws MergeException if a tensor name has different shapes in the two
   */
  default TaskVector plus(TaskVector other) {
    Sum s = new Sum(this, other);
    s.tensors();
    return s;
  }

  /** {@code this − other}, i.e. {@code plus(other.times(-1))}. */
  default TaskVector minus(TaskVector other) {
    return plus(other.times(-1));
  }

  /**
   * {@code λ · this}.
   *
   * @throws MergeException if {@code lambda} is not finite
   */
  default TaskVector times(double lambda) {
    return new Scaled(this, lambda);
  }

  /** The tensors of this vector whose full name matches {@code regex}; the others are left out (zero). */
  default TaskVector including(String regex) {
    return new Filtered(this, Pattern.compile(regex), true);
  }

  /** This vector without the tensors whose full name matches {@code regex} (e.g. embeddings, LM head). */
  default TaskVector excluding(String regex) {
    return new Filtered(this, Pattern.compile(regex), false);
  }

  /**
   * The vector's tensors, in the order of its first operand (then the new names of later operands),
   * each with dtype F32 (the dtype values are computed in).
   *
   * @throws MergeException if the operands disagree
   */
  default List<TensorInfo> tensors() {
    return Providers.merge().taskVectorTensors(this);
  }

  /**
   * One tensor of the vector, computed lazily: each {@link Tensor#readFloats} call reads just that
   * range of the operands. {@link Tensor#bytes()} is unsupported.
   *
   * @throws MergeException if the vector has no tensor by that name
   */
  default Tensor tensor(String name) {
    return Providers.merge().taskVectorTensor(this, name);
  }

  /** Number of elements over all tensors. */
  default long elementCount() {
    return tensors().stream().mapToLong(TensorInfo::elementCount).sum();
  }

  /** A readable description of the expression, e.g. {@code 0.5 * (/m/instruct - /m/base)}. */
  String expression();

  /**
   * Writes the vector to one safetensors file in float32, atomically; its {@code __metadata__}
   * records the expression ({@code task_vector}) and, for a plain difference, the {@code base} and
   * {@code tuned} directories. Values are streamed: memory stays bounded by a few chunks.
   */
  default void save(Path file) {
    save(file, DType.F32);
  }

  /**
   * Like {@link #save(Path)}, storing the values in {@code dtype} (floating point; F32 keeps them
   * exactly, BF16/F16 round to nearest even).
   */
  default void save(Path file, DType dtype) {
    Providers.merge().saveTaskVector(this, file, dtype);
  }

  /** Adds this vector to {@code target}: configure the output and call {@link Application#writeTo}. */
  default Application applyTo(Checkpoint target) {
    return new Application(this, target, null, Long.MAX_VALUE, false);
  }

  /**
   * {@code tuned − base}; built by {@link #between}, which checks that the two agree.
   *
   * @param base the reference checkpoint
   * @param tuned the fine-tuned (or continually pre-trained) checkpoint
   */
  record Delta(Checkpoint base, Checkpoint tuned) implements TaskVector {
    public Delta {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(tuned, "tuned");
    }

    @Override
    public String expression() {
      return "(" + tuned.directory() + " - " + base.directory() + ")";
    }
  }

  /** {@code left + right}; see {@link #plus}. */
  record Sum(TaskVector left, TaskVector right) implements TaskVector {
    public Sum {
      Objects.requireNonNull(left, "left");
      Objects.requireNonNull(right, "right");
    }

    @Override
    public String expression() {
      if (right instanceof Scaled(TaskVector v, double f) && f == -1) {
        return "(" + left.expression() + " - " + v.expression() + ")";
      }
      return "(" + left.expression() + " + " + right.expression() + ")";
    }
  }

  /** {@code factor · vector}; see {@link #times}. */
  record Scaled(TaskVector vector, double factor) implements TaskVector {
    public Scaled {
      Objects.requireNonNull(vector, "vector");
      if (!Double.isFinite(factor)) {
        throw new MergeException("a task vector's scale must be finite, got " + factor);
      }
    }

    @Override
    public String expression() {
      return factor + " * " + vector.expression();
    }
  }

  /**
   * The tensors of {@code vector} whose name matches ({@code keepMatches}) or does not match the
   * pattern (full match); see {@link #including} and {@link #excluding}.
   */
  record Filtered(TaskVector vector, Pattern pattern, boolean keepMatches) implements TaskVector {
    public Filtered {
      Objects.requireNonNull(vector, "vector");
      Objects.requireNonNull(pattern, "pattern");
    }

    /** Whether tensor {@code name} of the underlying vector is kept. */
    public boolean keeps(String name) {
      return pattern.matcher(name).matches() == keepMatches;
    }

    @Override
    public String expression() {
      return vector.expression() + "[" + (keepMatches ? "only " : "except ") + pattern.pattern() + "]";
    }
  }

  /**
   * A vector read from a safetensors file ({@link #load}). Owns the mapped file: close it when done
   * (vectors built from it become unreadable).
   *
   * @param file the file it was loaded from
   * @param store its tensors
   */
  record Stored(Path file, TensorStore store) implements TaskVector, AutoCloseable {
    public Stored {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(store, "store");
    }

    /** The expression recorded when the vector was saved, or the file name if none was. */
    @Override
    public String expression() {
      String saved = store.metadata().get("task_vector");
      return saved != null ? saved : file.toString();
    }

    @Override
    public void close() {
      store.close();
    }
  }

  /**
   * Adding a vector to a checkpoint: {@code target + vector} for the vector's tensors, the target's
   * own tensors for the others; config and tokenizer files are copied from the target. Immutable;
   * options return modified copies.
   *
   * @param vector the vector added
   * @param target the checkpoint it is added to (must hold every tensor of the vector, same shapes)
   * @param dtype output dtype of floating-point tensors; null (the default) keeps the target's
   * @param maxShardSize largest output shard in bytes; default one file
   * @param overwrite replace an existing non-empty output directory; default false
   */
  record Application(TaskVector vector, Checkpoint target, DType dtype, long maxShardSize, boolean overwrite) {
    public Application {
      Objects.requireNonNull(vector, "vector");
      Objects.requireNonNull(target, "target");
      if (dtype != null && !dtype.isFloatingPoint()) {
        throw new MergeException("output dtype must be floating point, got " + dtype);
      }
      if (maxShardSize <= 0) {
        throw new MergeException("maxShardSize must be positive, got " + maxShardSize);
      }
    }

    public Application dtype(DType outputDtype) {
      return new Application(vector, target, outputDtype, maxShardSize, overwrite);
    }

    public Application maxShardSize(long bytes) {
      return new Application(vector, target, dtype, bytes, overwrite);
    }

    public Application overwrite(boolean replace) {
      return new Application(vector, target, dtype, maxShardSize, replace);
    }

    /**
     * Writes {@code target + vector} to {@code directory} atomically (under a temporary name,
     * renamed when complete), streaming chunk by chunk.
     *
     * @throws MergeException if the target lacks a tensor of the vector or its shape differs, or
     *     writing fails
     */
    public MergeReport writeTo(Path directory) {
      return Providers.merge().applyTaskVector(this, directory);
    }
  }
}
