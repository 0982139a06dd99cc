package io.cpt4j.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped cloze tasks: well formed, and exactly what {@link ClozeTasks} writes from the corpora. */
class ClozeTasksTest {
  private static final Path TASKS = Path.of("src/main/resources/tasks");
  @TempDir Path tmp;

  @Test
  void theCommittedTasksAreReproducedByTheGenerator() throws IOException {
    ClozeTasks.main(new String[] {tmp.toString(), "200"});
    for (String name : List.of("sotu-cloze.jsonl", "java-cloze.jsonl")) {
      assertThat(Files.readString(tmp.resolve(name))).as(name).isEqualTo(Files.readString(TASKS.resolve(name)));
    }
  }

  @Test
  void everyItemHasFourDistinctChoicesAndAGoldInRange() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    for (String name : List.of("sotu-cloze.jsonl", "java-cloze.jsonl")) {
      List<String> lines = Files.readAllLines(TASKS.resolve(name));
      assertThat(lines).as(name).hasSize(200);
      int[] golds = new int[4];
      for (String line : lines) {
        JsonNode item = mapper.readTree(line);
        assertThat(item.get("context").asText()).isNotBlank();
        HashSet<String> choices = new HashSet<>();
        item.get("choices").forEach(c -> choices.add(c.asText()));
        assertThat(choices).hasSize(4);
        golds[item.get("gold").asInt()]++;
      }
      for (int g : golds) {
        assertThat(g).as(name + " gold positions are spread").isBetween(30, 70);
      }
    }
  }
}
