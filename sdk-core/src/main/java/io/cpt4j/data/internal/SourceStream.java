package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Limits;
import io.cpt4j.data.TokenDataset;

/**
 * One mixture component read as a token stream: its documents in {@link DocumentOrder}, each as the
 * sequence {@code [metadata prefix] document EOS}, plus the counts the sampler reports. It knows
 * where it is (pass, documents begun in the pass, offset in the current sequence, the token carried
 * into the next packed row) but not when to stop: {@link BlendedSampler} applies the {@link Limits}.
 * Not thread-safe.
 */
final class SourceStream {
  /** Where a component stands in the mixture. */
  enum State {
    ACTIVE, EXHAUSTED, DROPPED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final int[] NONE = new int[0];

  final int index;
  final String name;
  final TokenDataset dataset;
  final Limits limits;
  private final DocumentOrder order;
  private final int eosId;
  private final int bosId; // -1: none
  private final int lead; // 1 with a BOS before each document, else 0

  // Position.
  private int pass;
  private int started; // documents of this pass begun
  private long document = -1; // current document, -1 before the first of a pass
  private int[] prefix = NONE;
  private int documentLength;
  private int offset; // within [BOS] + prefix + document + EOS
  private int carry = -1; // last token of the previous packed row, -1 when none

  // Counts.
  long tokens;
  long rows;
  long documentsStarted;
  int epochsCompleted;
  State state = State.ACTIVE;

  SourceStream(int index, String name, TokenDataset dataset, Limits limits, DocumentOrder order, int eosId,
      int bosId) {
    this.bosId = bosId;
    this.lead = bosId >= 0 ? 1 : 0;
    this.index = index;
    this.name = name;
    this.dataset = dataset;
    this.limits = limits;
    this.order = order;
    this.eosId = eosId;
  }

  /** Whether the current document's sequence is used up (also true before a pass's first document). */
  boolean documentDone() {
    return offset >= sequenceLength();
  }

  /** Whether every document of the current pass is used up. */
  boolean passDone() {
    return documentDone() && started == order.size();
  }

  /** Tokens this component may still contribute before its budget is reached. */
  long budgetLeft() {
    return limits.tokenBudget() == 0 ? Long.MAX_VALUE : limits.tokenBudget() - tokens;
  }

  /** Starts the next pass (reshuffled) at its first document. */
  void startNextPass() {
    pass++;
    started = 0;
    document = -1;
    prefix = NONE;
    documentLength = 0;
    offset = 0;
  }

  /** Begins the next document of the pass, with its metadata prefix when {@code withPrefix}. */
  void startNextDocument(boolean withPrefix) {
    if (started >= order.size()) {
      throw new IllegalStateException("pass " + pass + " of source '" + name + "' is used up");
    }
    load(order.pass(pass)[started], withPrefix);
    started++;
    documentsStarted++;
  }

  private void load(long doc, boolean withPrefix) {
    document = doc;
    documentLength = dataset.documentLength(doc);
    int[] p = withPrefix ? dataset.metadataPrefix(doc) : NONE;
    prefix = p == null ? NONE : p;
    offset = 0;
  }

  private int sequenceLength() {
    return document < 0 ? 0 : lead + prefix.length + documentLength + 1;
  }

  /**
   * Appends up to {@code max} tokens of the current sequence to {@code row} (as many as fit and
   * remain) and counts them as contributed.
   *
   * @return the tokens appended
   */
  int copyTo(RowTokens row, long max) {
    int n = (int) Math.min(max, Math.min(row.free(), sequenceLength() - offset));
    int end = offset + n;
    if (offset < end && offset < lead) { // BOS: begins the document, its own target crosses the boundary
      row.add(bosId, RowTokens.FIRST);
      offset++;
    }
    int prefixEnd = lead + prefix.length;
    while (offset < end && offset < prefixEnd) {
      row.add(prefix[offset - lead], (byte) (RowTokens.PREFIX | (offset == 0 ? RowTokens.FIRST : 0)));
      offset++;
    }
    int documentEnd = prefixEnd + documentLength;
    if (offset < end && offset < documentEnd) {
      int k = Math.min(end, documentEnd) - offset;
      dataset.read(document, offset - prefixEnd, row.tokens, row.size, k);
      java.util.Arrays.fill(row.flags, row.size, row.size + k, (byte) 0);
      if (offset == 0) {
        row.flags[row.size] = RowTokens.FIRST;
      }
      row.size += k;
      offset += k;
    }
    if (offset < end) {
      row.add(eosId, offset == 0 ? RowTokens.FIRST : 0);
      offset++;
    }
    tokens += n;
    return n;
  }

  /** Skips what is left of the current sequence; returns the BOS, prefix and document tokens skipped (EOS not counted). */
  int skipRest() {
    int skipped = Math.max(0, lead + prefix.length + documentLength - offset);
    offset = sequenceLength();
    return skipped;
  }

  boolean hasCarry() {
    return carry >= 0;
  }

  int carry() {
    return carry;
  }

  void carry(int token) {
    carry = token;
  }

  void clearCarry() {
    carry = -1;
  }

  // State for the codec: everything else derives from the seed and the dataset.

  int pass() {
    return pass;
  }

  int started() {
    return started;
  }

  boolean prefixed() {
    return prefix.length > 0;
  }

  int offset() {
    return offset;
  }

  /** Moves to a saved position; the current document is recomputed from the pass order. */
  void restorePosition(int newPass, int newStarted, boolean prefixed, int newOffset, int newCarry) {
    if (newPass < 0 || newStarted < 0 || newStarted > order.size()) {
      throw new DataException("sampler state of source '" + name + "': pass " + newPass + ", document "
          + newStarted + " is outside its " + order.size() + " documents per pass");
    }
    pass = newPass;
    started = newStarted;
    if (newStarted == 0) {
      document = -1;
      prefix = NONE;
      documentLength = 0;
      offset = 0;
    } else {
      load(order.pass(newPass)[newStarted - 1], prefixed);
      if (prefixed && prefix.length == 0) {
        throw new DataException("sampler state of source '" + name + "' has a metadata prefix on a document "
            + "that has none");
      }
    }
    if (newOffset < 0 || newOffset > sequenceLength()) {
      throw new DataException("sampler state of source '" + name + "': offset " + newOffset
          + " is outside the current document's " + sequenceLength() + " tokens");
    }
    offset = newOffset;
    carry = newCarry < 0 ? -1 : newCarry;
  }
}
