package io.cpt4j.data.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.SamplerStats;
import io.cpt4j.data.TokenDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MixtureSampler}: rows filled from one component each, chosen by {@link
 * DeficitSchedule}; components read and packed by {@link SourceStream}s in the seeded {@link
 * DocumentOrder}; rows written by {@link BatchBuilder}; state saved by {@link SamplerStateCodec}. The
 * same packer, read once in dataset order, gives validation its rows ({@link DatasetPass}).
 *
 * <p>Limits are applied the moment they are reached: when a row's last token ends a pass or meets
 * the token budget, the pass end or exhaustion is handled right after that row, so a row never
 * starts from an exhausted component. When a packed component runs out in the middle of a row
 * (STOP or DROP), the rest of that row is padding; when the mixture stops in the middle of a batch,
 * the batch's remaining rows are padding (the batch keeps its shape; every padding target is
 * ignored). Events name the row (counted from 0 over the run) in which they happened; pass ends that
 * continue (RESTART, or another of several epochs) are logged at DEBUG and the first {@value
 * #KEPT_PASS_EVENTS} of them kept in {@link SamplerStats#events()}, exhaustion, drop and stop events
 * are logged at INFO and always kept.
 *
 * <p>Metadata conditioning: a document begun while {@link #progress()} (at the start of the row) is
 * below {@link Mixture#metadataConditioningFraction()} is read as its prefix, the document, EOS. The
 * targets that are prefix tokens are ignored, so no loss falls on the prefix; the first document
 * token is predicted from the last prefix token (that target is kept), which is what conditioning
 * means. The prefix shares the document's id (the document attends to it) and counts as tokens of
 * the component.
 *
 * <p>Not thread-safe.
 */
public final class BlendedSampler implements MixtureSampler {
  private static final Logger LOG = LoggerFactory.getLogger(BlendedSampler.class);
  static final int KEPT_PASS_EVENTS = 1000;

  final Mixture mixture;
  final List<TokenDataset> datasets;
  final Packing packing;
  final long plannedTokens;
  final SourceStream[] streams;
  final DeficitSchedule schedule;
  private final RowTokens row;

  // Global counts and state (saved by the codec).
  long rows;
  long tokens;
  long paddingPositions;
  long ignoredTargets;
  long truncatedTokens;
  boolean stopped;
  final List<String> events = new ArrayList<>();
  int keptPassEvents;
  long omittedPassEvents;

  public BlendedSampler(Mixture mixture, List<TokenDataset> datasets, Packing packing, long plannedTokens) {
    this.mixture = Objects.requireNonNull(mixture, "mixture");
    this.packing = Objects.requireNonNull(packing, "packing");
    Objects.requireNonNull(datasets, "datasets");
    List<Mixture.Component> components = mixture.components();
    List<String> names = components.stream().map(c -> c.source().name()).toList();
    if (datasets.size() != components.size()) {
      throw new IllegalArgumentException("the mixture has " + components.size() + " sources " + names + " but "
          + datasets.size() + " datasets were given: pass one dataset per source, in order");
    }
    if (plannedTokens <= 0) {
      throw new IllegalArgumentException("planned tokens must be > 0, got " + plannedTokens);
    }
    this.datasets = List.copyOf(datasets);
    this.plannedTokens = plannedTokens;
    this.streams = new SourceStream[components.size()];
    for (int i = 0; i < streams.length; i++) {
      TokenDataset ds = this.datasets.get(i);
      Limits limits = components.get(i).limits();
      String name = names.get(i);
      long docs = ds.documentCount();
      if (docs < 1) {
        throw new IllegalArgumentException("the dataset of source '" + name + "' (" + ds.directory()
            + ") has no documents");
      }
      if (docs > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("the dataset of source '" + name + "' has " + docs
            + " documents, more than a sampler can order (" + (Integer.MAX_VALUE - 8) + ")");
      }
      if (limits.subsetDocuments() > docs) {
        throw new IllegalArgumentException("source '" + name + "' asks for a subset of " + limits.subsetDocuments()
            + " documents but its dataset has " + docs);
      }
      DocumentOrder order = ds.ordered()
          ? DocumentOrder.stored(mixture.seed(), i, (int) docs, limits.subsetDocuments())
          : new DocumentOrder(mixture.seed(), i, (int) docs, limits.subsetDocuments());
      streams[i] = new SourceStream(i, name, ds, limits, order, packing);
    }
    this.schedule = new DeficitSchedule(mixture);
    this.row = new RowTokens(packing.sequenceLength());
  }

  @Override
  public boolean hasNext() {
    return !stopped;
  }

  @Override
  public Batch next(int batchRows) {
    if (batchRows < 1) {
      throw new IllegalArgumentException("a batch needs at least 1 row, got " + batchRows);
    }
    if (stopped) {
      throw new NoSuchElementException("the mixture has stopped: " + (events.isEmpty() ? "" : events.getLast()));
    }
    BatchBuilder batch = new BatchBuilder(batchRows, packing);
    for (int r = 0; r < batchRows; r++) {
      if (stopped) {
        batch.putEmpty(r, row);
        rows++;
      } else {
        fillRow(batch, r);
      }
    }
    paddingPositions += batch.paddingPositions;
    ignoredTargets += batch.ignoredTargets;
    return batch.build();
  }

  /** Fills row {@code r} from the component furthest behind its share and applies what followed. */
  private void fillRow(BatchBuilder batch, int r) {
    double p = progress();
    double[] weights = schedule.weights(p, activeMask());
    SourceStream s = streams[schedule.choose(weights, realised())];
    long before = s.tokens;
    boolean withPrefix = p < mixture.metadataConditioningFraction();
    long truncatedBefore = s.truncatedTokens;
    row.clear();
    pack(s, withPrefix);
    batch.put(r, row);
    batch.source(r, s.name);
    long produced = s.tokens - before;
    truncatedTokens += s.truncatedTokens - truncatedBefore;
    if (s.state == SourceStream.State.ACTIVE) { // limits reached exactly at the row's end apply now
      if (s.budgetLeft() <= 0) {
        exhaust(s, "at its token budget of " + s.limits.tokenBudget());
      } else if (s.passDone()) {
        endPass(s);
      }
    }
    s.rows++;
    tokens += produced;
    schedule.account(weights, produced);
    if (s.state == SourceStream.State.DROPPED) {
      double[] rest = schedule.weights(progress(), activeMask());
      schedule.drop(s.index, s.tokens, rest);
    }
    if (!stopped && schedule.weights(progress(), activeMask()) == null) {
      boolean anyActive = false;
      for (SourceStream x : streams) {
        anyActive |= x.state == SourceStream.State.ACTIVE;
      }
      event(false, anyActive
          ? "no remaining source has weight at progress " + progress() + ": stopping"
          : "every source was dropped: stopping", false);
      stopped = true;
    }
    rows++;
  }

  /**
   * Packs the row from {@code s}, applying the limits it meets on the way: a pass that ends within
   * the row continues with the next pass or exhausts the source, a budget met exhausts it; the rest
   * of the row is then padding.
   */
  private void pack(SourceStream s, boolean withPrefix) {
    while (true) {
      switch (s.fill(row, withPrefix)) {
        case ROW_DONE -> {
          return;
        }
        case BUDGET_MET -> {
          exhaust(s, "at its token budget of " + s.limits.tokenBudget());
          return;
        }
        case PASS_DONE -> { // unpacked: not reached, pass ends are handled after the row that ends them
          if (!endPass(s)) {
            return;
          }
        }
      }
    }
  }

  /** A pass of {@code s} is used up: start the next one, or exhaust it. Returns whether it goes on. */
  private boolean endPass(SourceStream s) {
    s.epochsCompleted++;
    int epochs = s.limits.epochs();
    if (s.limits.onExhausted() == Limits.Exhaustion.RESTART || s.epochsCompleted < epochs) {
      String what = s.limits.onExhausted() == Limits.Exhaustion.RESTART
          ? "completed pass " + s.epochsCompleted + ": restarting, reshuffled"
          : "completed epoch " + s.epochsCompleted + " of " + epochs + ": next pass, reshuffled";
      event(true, "source '" + s.name + "' " + what, true);
      s.startNextPass();
      return true;
    }
    exhaust(s, "after " + epochs + (epochs == 1 ? " epoch" : " epochs"));
    return false;
  }

  private void exhaust(SourceStream s, String reason) {
    s.clearCarry();
    switch (s.limits.onExhausted()) {
      case STOP -> {
        s.state = SourceStream.State.EXHAUSTED;
        stopped = true;
        event(false, "source '" + s.name + "' exhausted " + reason + ": stopping the mixture", false);
      }
      case DROP -> {
        s.state = SourceStream.State.DROPPED;
        event(false, "source '" + s.name + "' exhausted " + reason + ": dropped", false);
      }
      case RESTART -> throw new IllegalStateException("RESTART with a limit is refused by Limits");
    }
  }

  private void event(boolean debug, String text, boolean passEvent) {
    String line = "row " + rows + ": " + text;
    if (debug) {
      LOG.debug(line);
    } else {
      LOG.info(line);
    }
    if (passEvent && keptPassEvents >= KEPT_PASS_EVENTS) {
      omittedPassEvents++;
      return;
    }
    keptPassEvents += passEvent ? 1 : 0;
    events.add(line);
  }

  private boolean[] activeMask() {
    boolean[] active = new boolean[streams.length];
    for (int i = 0; i < streams.length; i++) {
      active[i] = streams[i].state == SourceStream.State.ACTIVE;
    }
    return active;
  }

  private long[] realised() {
    long[] r = new long[streams.length];
    for (int i = 0; i < streams.length; i++) {
      r[i] = streams[i].tokens;
    }
    return r;
  }

  @Override
  public long tokensProduced() {
    return tokens;
  }

  @Override
  public double progress() {
    return Math.min(1.0, (double) tokens / plannedTokens);
  }

  @Override
  public SamplerStats stats() {
    Map<String, SamplerStats.SourceStats> sources = new LinkedHashMap<>();
    for (SourceStream s : streams) {
      sources.put(s.name, new SamplerStats.SourceStats(s.tokens, s.rows, s.documentsStarted, s.epochsCompleted,
          s.state.label()));
    }
    List<String> shown = new ArrayList<>(events);
    if (omittedPassEvents > 0) {
      shown.add("(" + omittedPassEvents + " further pass events not kept; the first " + KEPT_PASS_EVENTS
          + " are listed)");
    }
    return new SamplerStats(rows, rows * packing.sequenceLength(), paddingPositions, ignoredTargets,
        truncatedTokens, sources, shown);
  }

  @Override
  public String saveState() {
    return SamplerStateCodec.write(this);
  }

  @Override
  public void restoreState(String json) {
    SamplerStateCodec.restore(this, json);
  }
}
