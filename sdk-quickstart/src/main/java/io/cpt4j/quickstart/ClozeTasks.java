package io.cpt4j.quickstart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import io.cpt4j.files.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the two small multiple-choice tasks shipped with the quickstart, in cpt4j's minimal task
 * form (one {@code {"context": ..., "choices": [...], "gold": i}} per line, scored like
 * lm-evaluation-harness's multiple choice with target delimiter {@code " "}):
 *
 * <ul>
 *   <li>{@code sotu-cloze.jsonl}: the general-domain task. A State of the Union sentence of 12 to 40
 *       words is cut after 60 % of its words; the choices are its real ending and the endings (with
 *       as many words) of three other sentences.
 *   <li>{@code java-cloze.jsonl}: the code-domain task. Six lines of a Java source file are the
 *       context; the choices are the real next line and three lines of other files, each given the
 *       real line's indentation.
 * </ul>
 *
 * Both draw from the held-out side of the quickstart's split ({@code split(0.05, 1)}), whose
 * documents the quickstart never trains on, so the tasks measure what the model keeps and gains
 * rather than what it memorised. Deterministic: the same corpora and seed give the same files.
 *
 * <p>Run: {@code ClozeTasks [OUTPUT_DIR] [ITEMS]} (defaults {@code
 * sdk-quickstart/src/main/resources/tasks}, 200 items each); the committed files were written by it.
 */
public final class ClozeTasks {
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");
  private static final Pattern SPACES = Pattern.compile("\\s+");
  private static final int CONTEXT_LINES = 6;
  private static final long SEED = 2026;

  private ClozeTasks() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "sdk-quickstart/src/main/resources/tasks");
    int items = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Files.createDirectories(out);
    write(out.resolve("sotu-cloze.jsonl"), sotuItems(heldOut(Corpora.sotu()), items));
    write(out.resolve("java-cloze.jsonl"), javaItems(heldOut(Corpora.javaCode()), items));
    System.out.println("wrote " + items + " items each to " + out.toAbsolutePath());
  }

  /** One task item. */
  record Item(String context, List<String> choices, int gold) {}

  private static List<Document> heldOut(Source source) {
    try (Stream<Document> docs = source.split(0.05, 1).validation().documents()) {
      return docs.toList();
    }
  }

  static List<Item> sotuItems(List<Document> docs, int count) {
    List<String[]> sentences = new ArrayList<>();
    for (Document d : docs) {
      for (String s : SENTENCE_END.split(d.text())) {
        String[] words = SPACES.split(s.strip());
        if (words.length >= 12 && words.length <= 40) {
          sentences.add(words);
        }
      }
    }
    SplittableRandom random = new SplittableRandom(SEED);
    List<Item> items = new ArrayList<>();
    while (items.size() < count) {
      String[] words = sentences.get(random.nextInt(sentences.size()));
      int cut = (int) Math.floor(words.length * 0.6);
      int endingWords = words.length - cut;
      List<String> choices = new ArrayList<>();
      choices.add(String.join(" ", Arrays.copyOfRange(words, cut, words.length)));
      while (choices.size() < 4) {
        String[] other = sentences.get(random.nextInt(sentences.size()));
        String ending = String.join(" ", Arrays.copyOfRange(other, other.length - Math.min(endingWords, other.length),
            other.length));
        if (!choices.contains(ending)) {
          choices.add(ending);
        }
      }
      items.add(shuffled(String.join(" ", Arrays.copyOfRange(words, 0, cut)), choices, random));
    }
    return items;
  }

  static List<Item> javaItems(List<Document> docs, int count) {
    List<String[]> files = docs.stream().map(d -> d.text().split("\n", -1)).filter(l -> l.length > 2 * CONTEXT_LINES)
        .toList();
    SplittableRandom random = new SplittableRandom(SEED);
    List<Item> items = new ArrayList<>();
    while (items.size() < count) {
      String[] lines = files.get(random.nextInt(files.size()));
      int at = CONTEXT_LINES + random.nextInt(lines.length - CONTEXT_LINES);
      if (!codeLine(lines[at])) {
        continue;
      }
      String indent = lines[at].substring(0, lines[at].length() - lines[at].stripLeading().length());
      List<String> choices = new ArrayList<>();
      choices.add(lines[at].strip());
      while (choices.size() < 4) {
        String[] other = files.get(random.nextInt(files.size()));
        String line = other[random.nextInt(other.length)];
        if (codeLine(line) && !choices.contains(line.strip())) {
          choices.add(line.strip());
        }
      }
      String context = String.join("\n", Arrays.copyOfRange(lines, at - CONTEXT_LINES, at)) + "\n" + indent;
      items.add(shuffled(context, choices, random));
    }
    return items;
  }

  /** A line worth predicting: code of 15 to 80 characters, not a comment or a lone brace. */
  private static boolean codeLine(String line) {
    String s = line.strip();
    return s.length() >= 15 && s.length() <= 80 && !s.startsWith("*") && !s.startsWith("/*") && !s.startsWith("//");
  }

  /** The item with the real choice (first in {@code choices}) moved to a random position. */
  private static Item shuffled(String context, List<String> choices, SplittableRandom random) {
    int gold = random.nextInt(choices.size());
    List<String> order = new ArrayList<>(choices.subList(1, choices.size()));
    order.add(gold, choices.getFirst());
    return new Item(context, List.copyOf(order), gold);
  }

  private static void write(Path file, List<Item> items) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    StringBuilder b = new StringBuilder();
    for (Item item : items) {
      ObjectNode n = mapper.createObjectNode();
      n.put("context", item.context());
      item.choices().forEach(n.putArray("choices")::add);
      n.put("gold", item.gold());
      b.append(mapper.writeValueAsString(n)).append('\n');
    }
    AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
  }
}
