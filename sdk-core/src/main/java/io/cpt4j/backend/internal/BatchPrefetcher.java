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
 * the two are step k + 1's first micro-batch and step k's next one). Only ever a shortcut: a
 * micro-batch is taken only if it is, by identity, one that was built ahead; anything else, or a
 * build that failed, is built by the step itself, so a bad batch fails in the step with the step's
 * own error. Used from the session's
 * thread only; the builds run on the prefetch thread.
 */
final class BatchPrefetcher implements AutoCloseable {
  /** Micro-batches built ahead at most: the next step's first and the current step's next. */
  static final int MAX_PENDING = 2;

  private static final Logger LOG = LoggerFactory.getLogger(BatchPrefetcher.class);

  /**
   * A build ahead. Its result changes hands under the lock: the build stores it unless the entry
   * was dropped (then it frees it itself), and whoever drops or takes the entry takes the stored
   * result with it, so every result is freed or used exactly once.
   */
  private static final class Pending {
    final Batch batch;
    Future<?> build;
    private boolean dropped; // guarded by this
    private ModelPass.Prepared result; // guarded by this

    Pending(Batch batch) {
      this.batch = batch;
    }

    /** Marks the entry dropped (or taken) and returns the result stored so far, if any. */
    synchronized ModelPass.Prepared drop() {
      dropped = true;
      ModelPass.Prepared r = result;
      result = null;
      return r;
    }

    synchronized boolean dropped() {
      return dropped;
    }

    /** Stores {@code built} unless the entry was dropped meanwhile; then frees it. */
    void store(ModelPass.Prepared built) {
      synchronized (this) {
        if (!dropped) {
          result = built;
          return;
        }
      }
      built.close();
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
      await(match.build);
      got = match.drop();
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

  /** On the prefetch thread: builds {@code p}'s inputs unless it was dropped before it started. */
  private void build(Pending p) {
    if (!p.dropped()) {
      p.store(pass.prepare(p.batch));
    }
  }

  /**
   * Drops a build without waiting for it: a result already stored is freed here, a build still
   * running frees its result itself, one not started never runs.
   */
  private static void free(Pending p) {
    ModelPass.Prepared built = p.drop();
    if (built != null) {
      built.close();
    }
  }

  /** Waits for {@code build} to end; a failure is only logged (the step builds the batch and meets the error). */
  private static void await(Future<?> build) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          build.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          LOG.debug("building a micro-batch ahead failed; the step builds it itself", e.getCause());
          return;
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
    await(thread.submit(() -> {})); // tasks run in order: when this one has, all earlier ones have
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
