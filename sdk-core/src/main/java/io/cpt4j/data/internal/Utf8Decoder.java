package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes byte ranges of one file as UTF-8, knowing where each range starts in the file so that a
 * malformed sequence is reported at its byte offset. Under the replace policy each malformed
 * sequence (as the JDK's UTF-8 decoder delimits it: a lone or unexpected byte, an overlong form, an
 * encoded surrogate, a truncated sequence) becomes one U+FFFD and is counted. Not thread-safe.
 */
final class Utf8Decoder {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final String file;
  private final boolean gzip;
  private final boolean replace;
  private long replaced;

  /**
   * @param file the file's path as shown in errors
   * @param gzip whether offsets count bytes of the decompressed content
   * @param replace decode malformed sequences as U+FFFD instead of failing
   */
  Utf8Decoder(String file, boolean gzip, boolean replace) {
    this.file = file;
    this.gzip = gzip;
    this.replace = replace;
  }

  /**
   * Decodes {@code bytes[from, from + length)}, which start at byte {@code offset} of the file.
   *
   * @throws DataException at the first malformed sequence unless replacing
   */
  String decode(byte[] bytes, int from, int length, long offset) {
    if (isAscii(bytes, from, length)) {
      return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, from, length);
    // UTF-8 never decodes to more chars than it has bytes, nor does replacement.
    CharBuffer out = CharBuffer.allocate(length);
    decoder.reset();
    while (true) {
      CoderResult result = decoder.decode(in, out, true);
      if (result.isUnderflow()) {
        break;
      } else if (result.isOverflow()) {
        out = grow(out);
      } else {
        long at = offset + (in.position() - from);
        if (!replace) {
          throw new DataException(file + ": invalid UTF-8 at byte offset " + at
              + (gzip ? " of the decompressed content (the file is gzip-compressed)" : "")
              + "; use Source.replaceInvalidUtf8() to decode malformed bytes as U+FFFD");
        }
        if (!out.hasRemaining()) {
          out = grow(out);
        }
        out.put('\uFFFD');
        in.position(in.position() + result.length());
        replaced++;
      }
    }
    while (decoder.flush(out).isOverflow()) {
      out = grow(out);
    }
    return out.flip().toString();
  }

  /** How many malformed sequences were replaced so far. */
  long replaced() {
    return replaced;
  }

  private static boolean isAscii(byte[] bytes, int from, int length) {
    for (int i = from, end = from + length; i < end; i++) {
      if (bytes[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static CharBuffer grow(CharBuffer out) {
    CharBuffer bigger = CharBuffer.allocate(Math.max(16, out.capacity() * 2));
    return bigger.put(out.flip());
  }
}
