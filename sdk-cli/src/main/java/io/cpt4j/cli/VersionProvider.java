package io.cpt4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code cpt4j --version}: "cpt4j VERSION", the version filtered in by Maven. */
final class VersionProvider implements IVersionProvider {

  static String version() {
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (IOException ignored) {
      // fall through to "unknown"
    }
    return "unknown";
  }

  @Override
  public String[] getVersion() {
    return new String[] {"cpt4j " + version()};
  }
}
