package io.cpt4j.spark.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Tokenizes a partition's rows {@code (id, text, drop)} into {@code (id, drop, n, tokens)} in batches
 * with one tokenizer per executor JVM: the driver ships {@code tokenizer.json}'s bytes, the first
 * task of an executor writes them to a temporary file and opens it, later tasks reuse it (the
 * tokenizer is thread-safe). Tokens are kept for kept documents only; dropped ones keep their count.
 */
final class ExecutorTokenizer {
  private ExecutorTokenizer() {}

  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("drop", DataTypes.StringType, true)
      .add("n", DataTypes.IntegerType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true);

  private static final int BATCH = 256;
  private static final ConcurrentHashMap<String, Tokenizer> OPEN = new ConcurrentHashMap<>();

  /** This JVM's tokenizer for these bytes (fingerprint {@code fingerprint}), opened once. */
  static Tokenizer tokenizer(String fingerprint, byte[] json) {
    return OPEN.computeIfAbsent(fingerprint, k -> {
      try {
        Path file = Files.createTempFile("cpt4j-tokenizer-", ".json");
        Files.write(file, json);
        file.toFile().deleteOnExit();
        return Tokenizer.open(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stage the tokenizer on this executor: " + e.getMessage(), e);
      }
    });
  }

  static Iterator<Row> tokenize(Iterator<Row> rows, String fingerprint, byte[] json, int width) {
    Tokenizer tokenizer = tokenizer(fingerprint, json);
    long maxId = width == 2 ? 0xFFFF : Integer.MAX_VALUE;
    return new Iterator<>() {
      private final List<Row> out = new ArrayList<>();
      private int next;

      @Override
      public boolean hasNext() {
        if (next < out.size()) {
          return true;
        }
        out.clear();
        next = 0;
        List<Row> batch = new ArrayList<>(BATCH);
        while (batch.size() < BATCH && rows.hasNext()) {
          batch.add(rows.next());
        }
        if (batch.isEmpty()) {
          return false;
        }
        List<int[]> ids = tokenizer.encodeBatch(batch.stream().map(r -> r.getString(1)).toList());
        for (int i = 0; i < batch.size(); i++) {
          Row r = batch.get(i);
          int[] t = ids.get(i);
          for (int id : t) {
            if (id < 0 || id > maxId) {
              throw new DataException("the tokenizer gave id " + id + " for document " + r.getLong(0)
                  + ", which does not fit " + (width == 2 ? "uint16" : "uint32") + " token shards");
            }
          }
          String drop = r.getString(2);
          out.add(RowFactory.create(r.getLong(0), drop, t.length, drop == null ? t : null));
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out.get(next++);
      }
    };
  }
}
