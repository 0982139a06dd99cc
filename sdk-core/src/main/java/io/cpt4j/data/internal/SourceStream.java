package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Packing;
import io.cpt4j.data.TokenDataset;

/**
 * One source read as a token stream and packed into rows: the packer that training ({@link
 * BlendedSampler}) and fixed evaluation sets ({@link DatasetPass}) share. Its documents come in
 * {@link DocumentOrder}, each as the sequence {@code [BOS] [metadata prefix] document EOS}, and
 * {@link #fill} copies them into {@link RowTokens} as {@link Packing} describes: packed rows of
 * {@code sequenceLength + 1} tokens, each starting with the token carried from the previous one, or
 * unpacked rows of one document's first {@code sequenceLength + 1} tokens. The stream knows where
 * it is (pass, documents begun in the pass, offset in the current sequence, the carried token) but
 * not what to do at a limit: {@code fill} stops there and its caller decides ({@link
 * BlendedSampler} applies the {@link Limits}; {@link DatasetPass} ends after one pass). Not
 * thread-safe.
 */
final class SourceStream {
  /** Where a component stands in the mixture. */
  enum State {
    ACTIVE, EXHAUSTED, DROPPED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Why {@link #fill} returned. */
  enum Fill {
    /** The row is complete: packed, {@code sequenceLength + 1} tokens; unpacked, one document. */
    ROW_DONE,
    /** The token budget is met; the row holds what came before it. */
    BUDGET_MET,
    /** Every document of the pass is used up; the row holds what came before. */
    PASS_DONE
  }

  private static final int[] NONE = new int[0];

  final int index;
  final String name;
  final TokenDataset dataset;
  final Limits limits;
  private final DocumentOrder order;
  private final boolean packed;
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
  long truncatedTokens; // unpacked: tokens of documents cut at the row's end
  int epochsCompleted;
  State state = State.ACTIVE;

  SourceStream(int index, String name, TokenDataset dataset, Limits limits, DocumentOrder order, Packing packing) {
    this.index = index;
    this.name = name;
    this.dataset = dataset;
    this.limits = limits;
    this.order = order;
    this.packed = packing.packed();
    this.eosId = packing.eosId();
    this.bosId = packing.bosId();
    this.lead = packing.framesWithBos() ? 1 : 0;
  }

  /**
   * Fills {@code row} (empty at a row's start; after {@link Fill#PASS_DONE} and a new pass, as that
   * call left it) until it is done or a limit stops it.
   *
   * <ul>
   *   <li>packed: a row starts with the carried token, if any; documents follow, begun as needed,
   *       until the row holds {@code sequenceLength + 1} tokens, whose last is then carried into the
   *       next row;
   *   <li>unpacked: the next document's first {@code sequenceLength + 1} tokens; the rest of it is
   *       skipped and counted in {@link #truncatedTokens}.
   * </ul>
   *
   * Tokens are counted as contributed; the budget is checked before every copy, the pass end before
   * every document.
   */
  Fill fill(RowTokens row, boolean withPrefix) {
    if (!packed) {
      if (passDone()) {
        return Fill.PASS_DONE;
      }
      startNextDocument(withPrefix);
      copyTo(row, budgetLeft());
      int skipped = skipRest();
      if (row.free() == 0) {
        truncatedTokens += skipped;
      }
      return Fill.ROW_DONE;
    }
    if (row.size == 0 && hasCarry()) {
      row.add(carry, (byte) 0);
    }
    while (row.free() > 0) {
      if (budgetLeft() <= 0) {
        return Fill.BUDGET_MET;
      }
      if (documentDone()) {
        if (passDone()) {
          return Fill.PASS_DONE;
        }
        startNextDocument(withPrefix);
      }
      copyTo(row, budgetLeft());
    }
    carry = row.tokens[row.size - 1];
    return Fill.ROW_DONE;
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
    load(order.document(pass, started), withPrefix);
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
  private int copyTo(RowTokens row, long max) {
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
  private int skipRest() {
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
      load(order.document(newPass, newStarted - 1), prefixed);
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
