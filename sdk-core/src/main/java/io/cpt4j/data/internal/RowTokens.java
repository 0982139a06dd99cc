package io.cpt4j.data.internal;

/**
 * The tokens of one row being filled: up to {@code sequenceLength + 1} of them (inputs are the first
 * {@code sequenceLength}, targets the last {@code sequenceLength}), each with flags saying whether it
 * begins a document and whether it belongs to a metadata prefix. Reused row after row.
 */
final class RowTokens {
  /** The token is the first of its document's sequence (prefix, document, EOS). */
  static final byte FIRST = 1;
  /** The token is part of a metadata prefix. */
  static final byte PREFIX = 2;

  final int[] tokens;
  final byte[] flags;
  int size;

  RowTokens(int sequenceLength) {
    tokens = new int[sequenceLength + 1];
    flags = new byte[sequenceLength + 1];
  }

  int capacity() {
    return tokens.length;
  }

  int free() {
    return tokens.length - size;
  }

  void clear() {
    size = 0;
  }

  void add(int token, byte flag) {
    tokens[size] = token;
    flags[size] = flag;
    size++;
  }

  /** Whether the target {@code tokens[t]} must not be learned: it begins a document or is a prefix. */
  boolean ignoredAsTarget(int t) {
    return (flags[t] & (FIRST | PREFIX)) != 0;
  }

  /** Whether some position has a target to learn: a token after the first that is not ignored. */
  boolean hasTarget() {
    for (int t = 1; t < size; t++) {
      if (!ignoredAsTarget(t)) {
        return true;
      }
    }
    return false;
  }

  /** A copy of the filled row, to keep while this one is reused. */
  RowTokens copy() {
    RowTokens c = new RowTokens(tokens.length - 1);
    System.arraycopy(tokens, 0, c.tokens, 0, size);
    System.arraycopy(flags, 0, c.flags, 0, size);
    c.size = size;
    return c;
  }
}
