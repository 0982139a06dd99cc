package io.cpt4j.spark;

import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/** One local[2] session for every test class (one surefire JVM), small planted corpora, a small BPE tokenizer. */
final class SparkFixtures {
  private SparkFixtures() {}

  static synchronized SparkSession spark() {
    return SparkSession.builder().master("local[2]").appName("cpt4j-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate();
  }

  /** A random alphabetic text of {@code words} words of 3–8 letters. */
  static String text(Random r, int words) {
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        sb.append(w % 12 == 11 ? ".\n" : " ");
      }
      int len = 3 + r.nextInt(6);
      for (int c = 0; c < len; c++) {
        sb.append((char) ('a' + r.nextInt(26)));
      }
    }
    return sb.toString();
  }

  /** A BPE tokenizer of 400 ids trained on {@code texts}. */
  static Path tokenizer(List<String> texts, Path file) {
    return BpeTrainer.vocabSize(400).threads(1).train(texts, file).file();
  }

  static String jsonLine(String text) {
    return "{\"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text).toString() + "}";
  }

  static void writeJsonl(Path file, List<String> texts) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, texts.stream().map(SparkFixtures::jsonLine).toList());
  }

  /** All documents' tokens of a dataset, in order. */
  static List<int[]> tokens(TokenDataset d) {
    List<int[]> out = new ArrayList<>();
    for (long i = 0; i < d.documentCount(); i++) {
      out.add(d.document(i));
    }
    return out;
  }
}
