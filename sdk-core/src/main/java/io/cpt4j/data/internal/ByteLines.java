package io.cpt4j.data.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines at {@code '\n'} without decoding it, so that every line's byte
 * offset in the stream is known. A line includes its terminator ({@code "\n"}, or {@code "\r\n"}
 * as the two bytes before it); the last line may have none. Splitting at the byte {@code 0x0A} is
 * exact for UTF-8, where that byte never occurs inside a multi-byte sequence.
 *
 * <p>After {@link #next()} returns true, {@link #bytes()}, {@link #from()}, {@link #length()} and
 * {@link #offset()} describe the line until the next call. Memory: one buffer as long as the longest
 * line. Not thread-safe.
 */
final class ByteLines {
  private final InputStream in;
  private byte[] buffer = new byte[1 << 16];
  private int start; // first byte of the unread part of the buffer
  private int end; // one past the last byte read into the buffer
  private long startOffset; // stream offset of buffer[start]
  private boolean eof;
  private int lineFrom;
  private int lineLength;
  private long lineOffset;

  ByteLines(InputStream in) {
    this.in = in;
  }

  /** Advances to the next line; false at the end of the stream. */
  boolean next() throws IOException {
    int scan = start;
    while (true) {
      for (int i = scan; i < end; i++) {
        if (buffer[i] == '\n') {
          take(i + 1 - start);
          return true;
        }
      }
      scan = end;
      if (eof) {
        if (start == end) {
          return false;
        }
        take(end - start);
        return true;
      }
      scan -= fill();
    }
  }

  private void take(int length) {
    lineFrom = start;
    lineLength = length;
    lineOffset = startOffset;
    start += length;
    startOffset += length;
  }

  /** Reads more bytes, first moving the unread part to the front or growing; returns the shift. */
  private int fill() throws IOException {
    int shift = 0;
    if (end == buffer.length) {
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, end - start);
        shift = start;
        end -= start;
        start = 0;
      } else {
        if (buffer.length >= Integer.MAX_VALUE - 16) {
          throw new IOException("a line is longer than " + buffer.length + " bytes");
        }
        buffer = Arrays.copyOf(buffer, (int) Math.min(Integer.MAX_VALUE - 16L, 2L * buffer.length));
      }
    }
    int n = in.read(buffer, end, buffer.length - end);
    if (n < 0) {
      eof = true;
    } else {
      end += n;
    }
    return shift;
  }

  byte[] bytes() {
    return buffer;
  }

  /** Index of the line's first byte in {@link #bytes()}. */
  int from() {
    return lineFrom;
  }

  /** The line's length in bytes, terminator included. */
  int length() {
    return lineLength;
  }

  /** Offset of the line's first byte in the stream. */
  long offset() {
    return lineOffset;
  }
}
