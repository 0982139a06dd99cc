package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code cpt4j score DIR (--tokens IDS | --text TEXT)}: teacher-forced next-token NLL on the CPU. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Score tokens with a checkpoint: the negative log-likelihood (natural log) of",
      "each token after the first given all tokens before it (teacher forcing), in",
      "float32 on the CPU, as one sequence. --text is encoded as transformers'",
      "tokenizer(text) does: with the special tokens the model's tokenizer adds (BOS for",
      "Llama, Mistral; none for Qwen, Pythia); --no-special-tokens encodes the text",
      "alone (or pass ids with --tokens). DIR may also be a",
      "directory written by 'cpt4j export onnx': the model then runs on ONNX Runtime,",
      "and sequences longer than the context are scored with a sliding window."
    })
final class ScoreCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR",
      description = "Checkpoint directory (Hugging Face layout), or a directory written by 'cpt4j export onnx'.")
  Path directory;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  /** Exactly one source of tokens. */
  static final class Input {
    @Option(names = "--tokens", paramLabel = "IDS", converter = TokenIds.Converter.class,
        description = "Comma-separated token ids, e.g. 3,17,5 (at least 2).")
    TokenIds tokens;

    @Option(names = "--text", paramLabel = "TEXT", description = "Text to encode with the checkpoint's tokenizer.")
    String text;

    @Option(names = "--file", paramLabel = "FILE", description = "A UTF-8 text file to encode, like --text"
        + " (with an ONNX directory, files longer than the context are scored with a sliding window).")
    Path file;

    /** The text of --text or --file; null when ids were given. */
    String text() throws IOException {
      return file != null ? Files.readString(file) : text;
    }
  }

  @Option(names = "--json", description = "Print JSON: nll (one per predicted token), mean_nll, tokens, perplexity.")
  boolean json;

  @Option(names = "--no-special-tokens",
      description = "Encode --text without the BOS/EOS the tokenizer would add (add_special_tokens=False).")
  boolean noSpecialTokens;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "CPU threads (default: 0 = one per core).")
  int threads;

  /** Token ids parsed from {@code --tokens}. */
  record TokenIds(int[] ids) {
    static final class Converter implements ITypeConverter<TokenIds> {
      @Override
      public TokenIds convert(String value) {
        String[] parts = value.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
          try {
            ids[i] = Integer.parseInt(parts[i].strip());
          } catch (NumberFormatException e) {
            throw new TypeConversionException("invalid token list '" + value + "': '" + parts[i].strip()
                + "' is not an integer (expected comma-separated ids, e.g. 3,17,5)");
          }
        }
        return new TokenIds(ids);
      }
    }
  }

  @Override
  public Integer call() throws IOException {
    if (threads < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0 (0 = one per core), got " + threads);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (Files.isRegularFile(directory.resolve("model.onnx"))) {
      scoreOnnx(out);
      out.flush();
      return 0;
    }
    try (Checkpoint ckpt = Checkpoint.open(directory)) {
      String text = input.text();
      Optional<Tokenizer> tokenizer = text != null ? Optional.of(requireTokenizer(ckpt)) : Optional.empty();
      int[] tokens = tokenizer.isPresent() ? tokenizer.get().encode(text, !noSpecialTokens) : input.tokens.ids();
      validate(tokens, ckpt.config());
      float[] nll;
      try (TrainingSession session = Backends.cpu(threads).open(ckpt, SessionOptions.defaults())) {
        nll = session.tokenLosses(Batch.causalLm(new int[][] {tokens}));
      }
      print(tokens, nll, () -> tokenizer.isPresent() ? tokenizer : tokenizerForDisplay(ckpt), out);
    }
    out.flush();
    return 0;
  }

  /**
   * An exported ONNX directory: the same NLL through ONNX Runtime ({@link OrtModel#tokenNll}), with
   * a sliding window past the context length instead of a refusal.
   */
  private void scoreOnnx(PrintWriter out) throws IOException {
    Path tokenizerFile = directory.resolve("tokenizer.json");
    String text = input.text();
    if (text != null && !Files.isRegularFile(tokenizerFile)) {
      throw new OnnxException(directory + " has no tokenizer.json, so --text cannot be encoded (pass token ids with --tokens)");
    }
    try (OrtModel model = OrtModel.load(directory, threads);
        Tokenizer tokenizer = Files.isRegularFile(tokenizerFile) ? Tokenizer.open(tokenizerFile) : null) {
      int[] tokens = text != null ? tokenizer.encode(text, !noSpecialTokens) : input.tokens.ids();
      validateIds(tokens, model.config());
      float[] nll = model.tokenNll(tokens);
      print(tokens, nll, () -> Optional.ofNullable(tokenizer), out);
    }
  }

  /**
   * Prints the scores as JSON or as a table with the mean NLL; {@code display} (asked only for the
   * table) gives the tokenizer that shows each token's text, if any.
   */
  private void print(int[] tokens, float[] nll, Supplier<Optional<Tokenizer>> display, PrintWriter out)
      throws IOException {
    double sum = 0;
    for (float v : nll) {
      sum += v;
    }
    double mean = sum / nll.length;
    if (json) {
      printJson(tokens, nll, mean, out);
    } else {
      printHuman(tokens, nll, mean, display.get(), out);
    }
  }

  private Tokenizer requireTokenizer(Checkpoint ckpt) {
    return ckpt.tokenizer().orElseThrow(() -> new CheckpointException(ckpt.directory(),
        "no tokenizer.json, so --text cannot be encoded (pass token ids with --tokens)"));
  }

  /** The tokenizer if it loads; token ids alone need none, so a broken one is only a warning. */
  private Optional<Tokenizer> tokenizerForDisplay(Checkpoint ckpt) {
    try {
      return ckpt.tokenizer();
    } catch (CheckpointException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("warning: token text not shown: " + ErrorReporter.message(e));
      err.flush();
      return Optional.empty();
    }
  }

  static void validate(int[] tokens, ModelConfig config) {
    validateIds(tokens, config);
    if (tokens.length > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(tokens.length + " tokens are more than the model's max_position_embeddings ("
          + config.maxPositionEmbeddings() + ")");
    }
  }

  static void validateIds(int[] tokens, ModelConfig config) {
    if (tokens.length < 2) {
      throw new IllegalArgumentException("need at least 2 tokens to score, got " + tokens.length);
    }
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + tokens[i] + " (position " + i
            + ") is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
  }

  private static void printJson(int[] tokens, float[] nll, double mean, PrintWriter out) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ArrayNode values = root.putArray("nll");
    for (float v : nll) {
      values.add(v);
    }
    root.put("mean_nll", mean);
    ArrayNode ids = root.putArray("tokens");
    Arrays.stream(tokens).forEach(ids::add);
    root.put("perplexity", Math.exp(mean));
    out.println(mapper.writeValueAsString(root));
  }

  /** INDEX, ID, TOKEN (quoted decoded text, when there is a tokenizer) and NLL; then the summary. */
  private static void printHuman(int[] tokens, float[] nll, double mean, Optional<Tokenizer> tokenizer,
      PrintWriter out) {
    String[] texts = new String[tokens.length];
    int textWidth = 5;
    for (int i = 0; i < tokens.length; i++) {
      int[] id = {tokens[i]};
      texts[i] = tokenizer.map(t -> quote(t.decode(id))).orElse("");
      textWidth = Math.max(textWidth, texts[i].length());
    }
    int idWidth = Math.max(2, String.valueOf(Arrays.stream(tokens).max().orElse(0)).length());
    String row = "%5s  %" + idWidth + "s  " + (tokenizer.isPresent() ? "%-" + textWidth + "s  " : "%s") + "%10s%n";
    out.printf(row, "INDEX", "ID", tokenizer.isPresent() ? "TOKEN" : "", "NLL");
    for (int i = 0; i < tokens.length; i++) {
      out.printf(row, i, tokens[i], texts[i], i == 0 ? "-" : String.format(Locale.ROOT, "%.4f", nll[i - 1]));
    }
    out.printf(Locale.ROOT, "%nmean NLL:   %.4f nats over %d predicted tokens (token 0 is context only)%n",
        mean, nll.length);
    out.printf(Locale.ROOT, "perplexity: %.4f%n", Math.exp(mean));
  }

  /** A token's text in double quotes, with quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          int type = Character.getType(c);
          boolean invisible = Character.isISOControl(c) || type == Character.LINE_SEPARATOR
              || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT;
          b.append(invisible ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
      }
    }
    return b.append('"').toString();
  }
}
