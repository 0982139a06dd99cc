package io.cpt4j.quickstart;

import io.cpt4j.data.Source;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two real corpora the examples and tests use, found from the repository root, the {@code
 * sdk-quickstart} module directory or any directory below them (provenance and licences: NOTICE).
 *
 * <ul>
 *   <li>{@link #sotu()}: general English, the 233 State of the Union addresses 1790–2021 as one
 *       gzip JSONL file committed under {@code sdk-quickstart/src/main/resources/corpora/sotu/}, one
 *       line per address with fields {@code text}, {@code year}, {@code president}, {@code party}.
 *   <li>{@link #javaCode()}: the code domain, the {@code .java} files of the Guava and Commons Lang
 *       sources jars, which the build unpacks to {@code sdk-quickstart/target/corpora/java/} (phase
 *       {@code generate-resources}; nothing is committed).
 * </ul>
 */
public final class Corpora {
  private static final String MODULE = "sdk-quickstart";
  private static final String SOTU = "src/main/resources/corpora/sotu/sotu.jsonl.gz";
  private static final String JAVA = "target/corpora/java";

  private Corpora() {}

  /**
   * The State of the Union addresses: JSONL documents from field {@code text} with metadata {@code
   * year}, {@code president} and {@code party}, named {@code "sotu"}.
   */
  public static Source sotu() {
    return Source.jsonl(sotuFile(), "text").metadataFields("year", "president", "party").named("sotu");
  }

  /** The committed {@code sotu.jsonl.gz}. */
  public static Path sotuFile() {
    return locate(SOTU, "it is committed in the repository");
  }

  /**
   * Java source files (one document per file) from the unpacked sources jars, named {@code "java"};
   * origins look like {@code "guava/com/google/common/base/Joiner.java#0"}.
   */
  public static Source javaCode() {
    Path dir = javaCodeDirectory();
    return Source.text(dir + dir.getFileSystem().getSeparator() + "**.java").named("java");
  }

  /** {@code sdk-quickstart/target/corpora/java}, one subdirectory per sources jar. */
  public static Path javaCodeDirectory() {
    return locate(JAVA, "build it with: ./mvnw -B -pl sdk-quickstart generate-resources");
  }

  /**
   * {@code relative} under the sdk-quickstart module: below the repository root named by the system
   * property {@code cpt4j.home} if set, else from the working directory up, the first
   * directory that is the module ({@code sdk-quickstart/relative}) or holds it ({@code
   * dir/sdk-quickstart/relative}).
   */
  static Path locate(String relative, String hint) {
    String home = System.getProperty("cpt4j.home"); // the repository root, set by the ./cpt4j launcher
    if (home != null && Files.exists(Path.of(home, MODULE, relative))) {
      return Path.of(home, MODULE, relative);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      boolean isModule = dir.getFileName() != null && dir.getFileName().toString().equals(MODULE);
      Path candidate = (isModule ? dir : dir.resolve(MODULE)).resolve(relative);
      if (Files.exists(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find " + MODULE + "/" + relative + " from "
        + Path.of("").toAbsolutePath() + " or its parents; " + hint);
  }
}
