package io.cpt4j.cli;

import io.cpt4j.data.Source;
import io.cpt4j.vocab.VocabularyExtension;
import io.cpt4j.vocab.VocabularyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j vocab extend BASE --corpus PATH... --add N OUT}: vocabulary extension. */
@Command(
    name = "vocab",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Adapt a model's tokenizer to a new domain or language.",
    synopsisSubcommandLabel = "HOW",
    subcommands = {VocabCommand.Extend.class, CommandLine.HelpCommand.class})
final class VocabCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing how: extend");
  }

  /** {@code cpt4j vocab extend}. */
  @Command(
      name = "extend",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Learn up to N new BPE tokens on the corpus on top of BASE's tokenizer (byte-level or",
        "SentencePiece-style with byte fallback) and write the model with its embedding and untied LM",
        "head grown: each new row the mean of the rows of the old tokens it replaces, old rows and ids",
        "unchanged. Prints tokens per byte on the corpus before and after. OUT is written under a",
        "temporary name and renamed."
      })
  static final class Extend implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BASE", description = "Checkpoint directory with tokenizer.json.")
    Path base;

    @Parameters(index = "1", paramLabel = "OUT", description = "Directory to write.")
    Path output;

    @Option(names = "--corpus", paramLabel = "PATH", required = true, arity = "1..*",
        description = "Text files, directories or globs (one document a file); JSON Lines with --jsonl-field.")
    List<String> corpus;

    @Option(names = "--jsonl-field", paramLabel = "FIELD",
        description = "Read the corpus as JSON Lines, the text in this field.")
    String jsonlField;

    @Option(names = "--add", paramLabel = "N", required = true, description = "Most tokens to add.")
    int add;

    @Option(names = "--min-frequency", paramLabel = "F", defaultValue = "2",
        description = "Stop when the most frequent pair occurs fewer times (default: ${DEFAULT-VALUE}).")
    int minFrequency;

    @Option(names = "--allow-wider-token-ids",
        description = "Let a vocabulary of at most 65,536 ids grow past it (token shards then take 4 bytes a token).")
    boolean wider;

    @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
    boolean overwrite;

    @Override
    public Integer call() {
      if (add < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--add must be at least 1, got " + add);
      }
      if (minFrequency < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--min-frequency must be at least 1, got " + minFrequency);
      }
      List<Source> sources = corpus.stream()
          .map(p -> jsonlField == null ? Source.text(p) : Source.jsonl(p, jsonlField)).toList();
      VocabularyReport r = VocabularyExtension.of(base).corpus(sources).add(add).minFrequency(minFrequency)
          .allowWiderTokenIds(wider).overwrite(overwrite).writeTo(output);
      PrintWriter out = spec.commandLine().getOut();
      out.println(r.describe());
      out.flush();
      return 0;
    }
  }
}
