package io.cpt4j.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The two real corpora read through {@link Source}, as examples and later tests will read them. */
class CorporaTest {
  private static List<Document> read(Source source) {
    try (Stream<Document> documents = source.documents()) {
      return documents.toList();
    }
  }

  @Test
  void theStateOfTheUnionCorpusHoldsEveryAddressFrom1790To2021() {
    List<Document> addresses = read(Corpora.sotu());
    assertThat(addresses).hasSize(233);
    Map<Integer, Long> perYear = addresses.stream()
        .collect(Collectors.groupingBy(d -> Integer.parseInt(d.metadata().get("year")), TreeMap::new,
            Collectors.counting()));
    assertThat(perYear.keySet()).first().isEqualTo(1790);
    assertThat(perYear.keySet()).last().isEqualTo(2021);
    // One address a year except: none in 1933, two in 1953 (Truman, Eisenhower) and 1961 (Eisenhower, Kennedy).
    assertThat(perYear).hasSize(2021 - 1790).doesNotContainKey(1933).containsEntry(1953, 2L).containsEntry(1961, 2L);
    assertThat(addresses.get(0).metadata()).isEqualTo(
        Map.of("year", "1790", "president", "George Washington", "party", "none"));
    assertThat(addresses.get(0).text()).startsWith("Fellow-Citizens of the Senate and House of Representatives:");
    assertThat(addresses.get(0).origin()).isEqualTo("sotu.jsonl.gz#0");
    assertThat(addresses.get(232).metadata()).containsEntry("president", "Joseph R Biden").containsEntry("year", "2021");
    assertThat(addresses).allSatisfy(d -> assertThat(d.text()).hasSizeGreaterThan(1_000));
    long bytes = addresses.stream().mapToLong(d -> d.text().getBytes(StandardCharsets.UTF_8).length).sum();
    assertThat(bytes).isEqualTo(10_761_202L);
  }

  @Test
  void theStateOfTheUnionCorpusSplitsIntoDisjointSides() {
    Source.Split split = Corpora.sotu().split(0.1, 2024);
    List<String> validation = read(split.validation()).stream().map(Document::origin).toList();
    List<String> train = read(split.train()).stream().map(Document::origin).toList();
    assertThat(validation).doesNotContainAnyElementsOf(train);
    assertThat(validation.size() + train.size()).isEqualTo(233);
    // Binomial(233, 0.1): mean 23.3, sd 4.6; 4 sd either side.
    assertThat(validation.size()).isBetween(5, 42);
  }

  @Test
  void theJavaCorpusHoldsTheGuavaAndCommonsLangSources() {
    List<Document> files = read(Corpora.javaCode());
    Map<String, Long> perJar = files.stream().collect(Collectors.groupingBy(
        d -> d.origin().substring(0, d.origin().indexOf('/')), TreeMap::new, Collectors.counting()));
    assertThat(perJar.keySet()).containsExactly("commons-lang3", "guava");
    assertThat(perJar.get("guava")).isGreaterThan(500);
    assertThat(perJar.get("commons-lang3")).isGreaterThan(200);
    assertThat(files).allSatisfy(d -> {
      assertThat(d.origin()).endsWith(".java#0");
      assertThat(d.text()).containsAnyOf("package ", "module ");
    });
    Function<String, Document> byOrigin = o -> files.stream().filter(d -> d.origin().equals(o)).findFirst().orElseThrow();
    assertThat(byOrigin.apply("guava/com/google/common/base/Joiner.java#0").text())
        .contains("Licensed under the Apache License, Version 2.0").contains("public class Joiner");
    assertThat(byOrigin.apply("commons-lang3/org/apache/commons/lang3/StringUtils.java#0").text())
        .contains("Licensed to the Apache Software Foundation").contains("public class StringUtils");
    long apache = files.stream().filter(d -> d.text().contains("Apache License")).count();
    assertThat(apache).as("files with an Apache licence header").isGreaterThan(files.size() * 95L / 100);
    assertThat(files).noneMatch(d -> d.text().contains("GNU General Public License"));
  }

  @Test
  void theCorporaAreClearlyDifferentDomains() {
    // A crude check that they differ: braces and semicolons are common in code, rare in speeches
    // (measured: about 4e-4 of the speeches' characters, 2e-2 of the code's).
    double sotuBraces = braceRate(read(Corpora.sotu()));
    double javaBraces = braceRate(read(Corpora.javaCode()));
    assertThat(sotuBraces).isLessThan(0.001);
    assertThat(javaBraces).isGreaterThan(0.01).isGreaterThan(20 * sotuBraces);
  }

  private static double braceRate(List<Document> documents) {
    long chars = 0;
    long braces = 0;
    for (Document d : documents) {
      chars += d.text().length();
      braces += d.text().chars().filter(c -> c == '{' || c == '}' || c == ';').count();
    }
    return (double) braces / chars;
  }
}
