package io.cpt4j.cli;

import io.cpt4j.data.Source;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A {@code --source NAME=KIND:LOCATION[:FIELD]} argument: {@code text:} one document per file,
 * {@code blocks:} one per blank-line-separated block, {@code jsonl:LOCATION:FIELD} one per line.
 */
record SourceSpec(String name, String spec, Source source) {
  static final class Converter implements ITypeConverter<SourceSpec> {
    @Override
    public SourceSpec convert(String value) {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw bad(value, "expected NAME=KIND:LOCATION");
      }
      String name = value.substring(0, eq).strip();
      String spec = value.substring(eq + 1);
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw bad(value, "the name '" + name + "' may only hold letters, digits, '.', '_' and '-'");
      }
      int colon = spec.indexOf(':');
      if (colon <= 0) {
        throw bad(value, "expected KIND:LOCATION after the name, KIND one of text, blocks, jsonl");
      }
      String kind = spec.substring(0, colon);
      String rest = spec.substring(colon + 1);
      Source source = switch (kind) {
        case "text" -> Source.text(nonEmpty(value, rest));
        case "blocks" -> Source.text(nonEmpty(value, rest)).blankLineDocuments();
        case "jsonl" -> {
          int last = rest.lastIndexOf(':');
          if (last <= 0 || last == rest.length() - 1) {
            throw bad(value, "a jsonl source needs its text field: jsonl:LOCATION:FIELD");
          }
          yield Source.jsonl(rest.substring(0, last), rest.substring(last + 1));
        }
        default -> throw bad(value, "unknown kind '" + kind + "' (expected text, blocks or jsonl)");
      };
      return new SourceSpec(name, spec, source.named(name));
    }

    private static String nonEmpty(String value, String location) {
      if (location.isBlank()) {
        throw bad(value, "the location is empty");
      }
      return location;
    }

    private static TypeConversionException bad(String value, String why) {
      return new TypeConversionException("invalid source '" + value + "': " + why);
    }
  }
}
