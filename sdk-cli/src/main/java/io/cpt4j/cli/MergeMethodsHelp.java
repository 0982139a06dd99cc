package io.cpt4j.cli;

import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.MergeParameter;
import io.cpt4j.merge.MethodDeclaration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The "Methods:" section of {@code cpt4j merge --help}, made from the methods' public declarations
 * ({@link MergeMethod#declarations}): per method what it computes, then its parameters with their
 * defaults. Nothing here names a method or a parameter, so the help cannot drift from what the YAML
 * codec accepts. Stateless.
 */
final class MergeMethodsHelp {
  /** The help section's key. */
  static final String SECTION = "mergeMethods";
  private static final int NAME_WIDTH = 18;
  private static final int WIDTH = 80;

  private MergeMethodsHelp() {}

  /** Adds the section to {@code merge}'s help, after the options and before the footer. */
  static void install(CommandLine merge) {
    merge.getHelpSectionMap().put(SECTION, help -> text());
    List<String> keys = new ArrayList<>(merge.getHelpSectionKeys());
    int footer = keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING);
    keys.add(footer < 0 ? keys.size() : footer, SECTION);
    merge.setHelpSectionKeys(keys);
  }

  /** The section: a heading, then each method's summary and its parameters, wrapped. */
  static String text() {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nMethods and their parameters (name=default;"
        + "%nper-model parameters may also be given once under the top-level parameters):%n"));
    String indent = " ".repeat(NAME_WIDTH + 2);
    for (MethodDeclaration d : MergeMethod.declarations()) {
      List<String> summary = wrap(d.summary(), WIDTH - indent.length());
      out.append(String.format(Locale.ROOT, "  %-" + NAME_WIDTH + "s%s%n", d.name(), summary.getFirst()));
      List<String> rest = new ArrayList<>(summary.subList(1, summary.size()));
      rest.addAll(wrap(parameters(d), WIDTH - indent.length()));
      for (String line : rest) {
        out.append(indent).append(line).append(System.lineSeparator());
      }
    }
    return out.toString();
  }

  /** "lambda=1, normalize=true; per model: weight (required), density=1; models: exactly one". */
  static String parameters(MethodDeclaration d) {
    List<String> global = new ArrayList<>();
    List<String> perModel = new ArrayList<>();
    for (MergeParameter p : d.parameters()) {
      (p.perModel() ? perModel : global).add(describe(p));
    }
    List<String> parts = new ArrayList<>();
    if (!global.isEmpty()) {
      parts.add(String.join(", ", global));
    }
    if (!perModel.isEmpty()) {
      parts.add("per model: " + String.join(", ", perModel));
    }
    switch (d.models()) {
      case EXACTLY_ONE -> parts.add("exactly one model");
      case EXACTLY_TWO -> parts.add("exactly two models");
      case AT_LEAST_TWO -> parts.add("at least two models");
      case AT_LEAST_ONE -> { }
    }
    if (d.needsTarget()) {
      parts.add("needs onto");
    }
    switch (d.baseRole()) {
      case REFERENCE -> { }
      case OPTIONAL_REFERENCE -> parts.add("base_model optional (with it, task vectors are merged)");
      case INPUT -> parts.add("base_model optional (merged with the models)");
      case FILES -> parts.add("base_model optional");
    }
    return parts.isEmpty() ? "no parameters" : String.join("; ", parts);
  }

  private static String describe(MergeParameter p) {
    String s = switch (p.type()) {
      case IGNORED -> p.name() + " (no effect)";
      default -> p.defaultValue().map(v -> p.name() + "=" + v).orElse(p.name() + " (required)");
    };
    if (p.fixed()) {
      s += " (fixed)";
    }
    if (p.scope() == MergeParameter.Scope.UNIFORM) {
      s += " (one value for all models)";
    }
    return s;
  }

  /** Greedy word wrap at {@code width} columns, breaking only at spaces. */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.isEmpty() ? "" : " ").append(word);
    }
    if (!line.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }
}
