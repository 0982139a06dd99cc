package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The binary layout of one token shard file, version 1 (described for users in {@code
 * docs/token-shards.md}). Everything is little-endian and every section starts at a multiple of 8
 * bytes:
 *
 * <pre>
 * offset  size  header (96 bytes)
 *      0     8  magic "CPT4JTOK"
 *      8     4  format version (1)
 *     12     4  bytes per token: 2 (uint16) or 4 (uint32)
 *     16     8  first document: global index of the shard's first document
 *     24     8  D, documents in the shard
 *     32     8  T, tokens in the shard (metadata prefixes not included)
 *     40     8  P, metadata-prefix tokens in the shard
 *     48     4  flags: bit 0 = the shard has a prefix section (a metadata template was given)
 *     52    32  the dataset's combined fingerprint (raw SHA-256)
 *     84     4  reserved, 0
 *     88     4  CRC-32C of bytes 0..88
 *     92     4  reserved, 0
 *
 *   tokens         T × width                 document d is tokens [index[d], index[d+1])
 *   (pad to 8)
 *   index          (D + 1) × int64           index[0] = 0, non-decreasing, index[D] = T
 * with the prefix flag:
 *   prefix tokens  P × width
 *   (pad to 8)
 *   prefix index   (D + 1) × int64           prefix index[D] = P
 * </pre>
 *
 * The file is exactly as long as this layout: a truncated or padded file is rejected.
 */
final class ShardFormat {
  private ShardFormat() {}

  static final byte[] MAGIC = "CPT4JTOK".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  static final int HEADER_BYTES = 96;
  static final int CRC_OFFSET = 88;
  static final int FINGERPRINT_BYTES = 32;
  static final int FLAG_PREFIXES = 1;

  static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The name of shard {@code n}. */
  static String shardName(int n) {
    return String.format(java.util.Locale.ROOT, "shard-%05d.bin", n);
  }

  /** Bytes per token for a vocabulary: uint16 when every id fits, else uint32. */
  static int widthFor(int vocabSize) {
    return vocabSize <= 65_536 ? 2 : 4;
  }

  static String dtypeName(int width) {
    return width == 2 ? "uint16" : "uint32";
  }

  /** The largest id a token of {@code width} bytes holds. */
  static long maxId(int width) {
    return width == 2 ? 0xFFFF : Integer.MAX_VALUE;
  }

  static long align8(long n) {
    return (n + 7) & ~7L;
  }

  /** A shard header: what the file holds and where each section starts. */
  record Header(int width, long firstDocument, long documents, long tokens, long prefixTokens, boolean prefixes,
      byte[] fingerprint) {

    long tokensOffset() {
      return HEADER_BYTES;
    }

    long indexOffset() {
      return align8(Math.addExact(HEADER_BYTES, Math.multiplyExact(tokens, width)));
    }

    long prefixTokensOffset() {
      return Math.addExact(indexOffset(), Math.multiplyExact(Math.addExact(documents, 1), 8));
    }

    long prefixIndexOffset() {
      return align8(Math.addExact(prefixTokensOffset(), Math.multiplyExact(prefixTokens, width)));
    }

    /** The exact length of a file with this header. */
    long fileSize() {
      return prefixes ? Math.addExact(prefixIndexOffset(), Math.multiplyExact(Math.addExact(documents, 1), 8))
          : prefixTokensOffset();
    }

    ByteBuffer encode() {
      ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      b.put(MAGIC).putInt(VERSION).putInt(width).putLong(firstDocument).putLong(documents).putLong(tokens)
          .putLong(prefixTokens).putInt(prefixes ? FLAG_PREFIXES : 0).put(fingerprint).putInt(0);
      b.putInt(CRC_OFFSET, crc(b.array()));
      return b.clear();
    }

    /** Parses and checks a header read from {@code file}; the file's size is checked by the caller. */
    static Header decode(Path file, ByteBuffer buffer) {
      ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[MAGIC.length];
      b.get(0, magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw corrupt(file, "does not start with the token shard magic \"CPT4JTOK\"");
      }
      int version = b.getInt(8);
      if (version != VERSION) {
        throw corrupt(file, "has shard format version " + version + "; this cpt4j reads version " + VERSION);
      }
      byte[] bytes = new byte[HEADER_BYTES];
      b.get(0, bytes);
      int stored = b.getInt(CRC_OFFSET);
      if (stored != crc(bytes)) {
        throw corrupt(file, "header checksum mismatch (stored " + Integer.toHexString(stored) + ", computed "
            + Integer.toHexString(crc(bytes)) + "): the header is corrupt");
      }
      int width = b.getInt(12);
      if (width != 2 && width != 4) {
        throw corrupt(file, "header says " + width + " bytes per token; only 2 and 4 are valid");
      }
      long first = b.getLong(16);
      long documents = b.getLong(24);
      long tokens = b.getLong(32);
      long prefixTokens = b.getLong(40);
      int flags = b.getInt(48);
      if (first < 0 || documents < 0 || tokens < 0 || prefixTokens < 0 || (flags & ~FLAG_PREFIXES) != 0) {
        throw corrupt(file, "header holds invalid counts or flags");
      }
      boolean prefixes = (flags & FLAG_PREFIXES) != 0;
      if (!prefixes && prefixTokens != 0) {
        throw corrupt(file, "header counts " + prefixTokens + " prefix tokens without a prefix section");
      }
      byte[] fingerprint = new byte[FINGERPRINT_BYTES];
      b.get(52, fingerprint);
      return new Header(width, first, documents, tokens, prefixTokens, prefixes, fingerprint);
    }

    private static int crc(byte[] header) {
      CRC32C crc = new CRC32C();
      crc.update(header, 0, CRC_OFFSET);
      return (int) crc.getValue();
    }
  }

  static DataException corrupt(Path file, String what) {
    return new DataException("token shard " + file + " " + what);
  }
}
