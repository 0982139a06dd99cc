package io.cpt4j.backend.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.model.internal.ModelPass;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds micro-batches' engine inputs on one background thread ahead of the step that uses them:
 * the first micro-batch of the announced next step ({@link io.cpt4j.backend.TrainingSession#prefetch})
 * while the current step runs, and within a step micro-batch {@code i + 1} while {@code i} runs. On a
 * GPU that takes the host work and the host-to-device copies off the training thread.
 *
 * <p>Memory is bounded: at most {@value #MAX_PENDING} micro-batches are built or being built ahead
 * (the oldest is freed first; with the trainer's order, announcing step k + 1 before step k runs,
 * the two are step k + 1's first micro-batch and step k's next one). Only ever a shortcut: a micro-batch is taken only if it is, by
 * identity, one that was built ahead; anything else, or a build that failed, is built by the step
 * itself, so a bad batch fails in the step with the step's own error. Used from the session's
 * thread only; the builds run on the prefetch thread.
 */
final class BatchPrefetcher implements AutoCloseable {
  /** Micro-batches built ahead at most: the next step's first and the current step's next. */
  static final int MAX_PENDING = 2;

  private static final Logger LOG = LoggerFactory.getLogger(BatchPrefetcher.class);

  /** A build ahead. Once dropped, whoever finishes last (the build or {@link #free}) frees it. */
  private static final class Pending {
    final Batch batch;
    Future<ModelPass.Prepared> build;
    boolean dropped; // guarded by this

    Pending(Batch batch) {
      this.batch = batch;
    }

  }

  private final ModelPass pass;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().daemon().name("cpt4j-prefetch").unstarted(r));
  private final Deque<Pending> pending = new ArrayDeque<>();
  private long taken;

  BatchPrefetcher(ModelPass pass) {
    this.pass = pass;
  }

  /** Starts building the first of {@code next}, the next step's micro-batches. */
  void announce(List<Batch> next) {
    if (!next.isEmpty()) {
      enqueue(next.getFirst());
    }
  }

  /**
   * The inputs of {@code batches.get(i)} if they were built ahead (waiting for the build if it is
   * still running), else null; starts building {@code batches.get(i + 1)}. When a step's first
   * micro-batch is taken, builds queued before it are stale (announced, then not used) and freed;
   * later in a step the next step's announced first micro-batch is older than the one taken and
   * must stay. The caller closes what it gets.
   */
  ModelPass.Prepared take(List<Batch> batches, int i) {
    Batch b = batches.get(i);
    ModelPass.Prepared got = null;
    Pending match = pending.stream().filter(p -> p.batch == b).findFirst().orElse(null);
    if (match != null) {
      if (i == 0) {
        while (pending.peekFirst() != match) {
          free(pending.removeFirst());
        }
      }
      pending.remove(match);
      got = await(match.build);
      taken += got != null ? 1 : 0;
    }
    if (i + 1 < batches.size()) {
      enqueue(batches.get(i + 1));
    }
    return got;
  }

  private void enqueue(Batch b) {
    if (pending.stream().anyMatch(p -> p.batch == b)) {
      return;
    }
    Pending p = new Pending(b);
    p.build = thread.submit(() -> build(p));
    pending.addLast(p);
    while (pending.size() > MAX_PENDING) {
      free(pending.removeFirst());
    }
  }

  /** On the prefetch thread: builds {@code p}'s inputs unless it was dropped, freeing them if it was meanwhile. */
  private ModelPass.Prepared build(Pending p) {
    synchronized (p) {
      if (p.dropped) {
        return null;
      }
    }
    ModelPass.Prepared built = pass.prepare(p.batch);
    synchronized (p) {
      if (p.dropped) {
        built.close();
        return null;
      }
      return built;
    }
  }

  /**
   * Drops a build without waiting for it: a build that has finished is freed here, one that has
   * not frees itself when it does (or never starts).
   */
  private static void free(Pending p) {
    synchronized (p) {
      p.dropped = true;
    }
    if (p.build.isDone()) {
      ModelPass.Prepared built = await(p.build);
      if (built != null) {
        built.close();
      }
    }
  }

  /** The build's result, or null if it failed (the step then builds the batch and meets the error itself). */
  private static ModelPass.Prepared await(Future<ModelPass.Prepared> build) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return build.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          LOG.debug("building a micro-batch ahead failed; the step builds it itself", e.getCause());
          return null;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Micro-batches handed to steps built ahead, so far. */
  long taken() {
    return taken;
  }

  /**
   * Frees every build ahead and waits until the prefetch thread is idle (a dropped build still
   * running frees what it built itself), so that nothing runs on the engine afterwards.
   */
  void clear() {
    while (!pending.isEmpty()) {
      free(pending.removeFirst());
    }
    await(thread.submit(() -> null)); // tasks run in order: when this one has, all earlier ones have

  }

  /** Frees every build ahead and stops the thread. */
  @Override
  public void close() {
    try {
      clear();
    } finally {
      thread.shutdown();
    }
  }
}
