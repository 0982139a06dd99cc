package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.tokenize.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j generate ONNX_DIR --prompt ...}: text generation with ONNX Runtime, streamed. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Generate a continuation with an exported ONNX model (cpt4j export onnx), printing text as it comes.",
      "Greedy by default; --temperature > 0 samples (then --top-k and --top-p filter), seeded by --seed.",
      "Stops at the model's end-of-sequence tokens, --max-new-tokens or the context length. The prompt is",
      "encoded exactly as given: no BOS or other special tokens are added (write them into the text, or",
      "pass ids with --tokens). A summary (tokens, tokens/s, why it stopped) goes to stderr."
    })
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ONNX_DIR", description = "Directory written by 'cpt4j export onnx'.")
  Path directory;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  /** Exactly one source of the prompt. */
  static final class Input {
    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text, encoded with the model's tokenizer.")
    String prompt;

    @Option(names = "--tokens", paramLabel = "IDS", converter = ScoreCommand.TokenIds.Converter.class,
        description = "Prompt as comma-separated token ids, e.g. 3,17,5.")
    ScoreCommand.TokenIds tokens;
  }

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128",
      description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
      description = "0 for greedy decoding, else the sampling temperature (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
      description = "Sample among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
      description = "Sample among the most likely tokens whose probabilities sum to P (default: ${DEFAULT-VALUE}).")
  double topP;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "CPU threads (default: 0 = ONNX Runtime's default, one per physical core).")
  int threads;

  @Option(names = "--json", description = "Print one JSON object at the end (tokens, text, timing) instead of streaming.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (threads < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0 (0 = default), got " + threads);
    }
    Generation generation;
    try {
      generation = Generation.greedy(maxNewTokens).temperature(temperature).topK(topK).topP(topP).seed(seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path tokenizerFile = directory.resolve("tokenizer.json");
    boolean needTokenizer = input.prompt != null;
    if (needTokenizer && !Files.isRegularFile(tokenizerFile)) {
      throw new OnnxException(directory + " has no tokenizer.json, so --prompt cannot be encoded (pass ids with --tokens)");
    }
    try (OrtModel model = OrtModel.load(directory, threads);
        Tokenizer tokenizer = Files.isRegularFile(tokenizerFile) ? Tokenizer.open(tokenizerFile) : null) {
      int[] prompt = needTokenizer ? tokenizer.encode(input.prompt) : input.tokens.ids();
      Set<Integer> stops = new HashSet<>(model.config().eosTokenIds());
      Streamer streamer = new Streamer(tokenizer, stops, json ? null : out);
      long start = System.nanoTime();
      int[] generated = model.generate(prompt, generation, streamer::accept);
      streamer.finish();
      double seconds = (System.nanoTime() - start) / 1e9;
      boolean atStop = generated.length > 0 && stops.contains(generated[generated.length - 1]);
      String reason = atStop ? "end-of-sequence token" : generated.length == maxNewTokens ? "--max-new-tokens"
          : "context length";
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.putPOJO("prompt_tokens", prompt);
        root.putPOJO("tokens", generated);
        if (tokenizer != null) {
          root.put("text", streamer.text());
        }
        root.put("stopped_by", reason);
        root.put("seconds", seconds);
        root.put("tokens_per_second", generated.length / seconds);
        out.println(mapper.writeValueAsString(root));
      } else {
        out.println();
        err.printf(Locale.ROOT, "generated %d tokens in %.2f s (%.1f tokens/s), stopped by %s%n", generated.length,
            seconds, generated.length / seconds, reason);
      }
    }
    out.flush();
    return 0;
  }

  /**
   * Prints text as tokens arrive: the whole continuation is decoded each time and only what was
   * not printed yet is written, held back while it ends in an incomplete UTF-8 sequence (U+FFFD).
   * Stop tokens are not printed. Without a tokenizer the ids are printed.
   */
  private static final class Streamer {
    private final Tokenizer tokenizer;
    private final Set<Integer> stops;
    private final PrintWriter out;
    private final List<Integer> ids = new ArrayList<>();
    private String printed = "";

    Streamer(Tokenizer tokenizer, Set<Integer> stops, PrintWriter out) {
      this.tokenizer = tokenizer;
      this.stops = stops;
      this.out = out;
    }

    void accept(int token) {
      if (tokenizer == null) {
        if (out != null) {
          out.print((ids.isEmpty() ? "" : ",") + token);
          out.flush();
        }
        ids.add(token);
        return;
      }
      if (stops.contains(token)) {
        return;
      }
      ids.add(token);
      String text = text();
      if (out != null && text.startsWith(printed) && !text.endsWith("\uFFFD")) {
        out.print(text.substring(printed.length()));
        out.flush();
        printed = text;
      }
    }

    /** Prints what was held back (an incomplete character at the very end). */
    void finish() {
      if (tokenizer != null && out != null) {
        String text = text();
        if (text.startsWith(printed) && text.length() > printed.length()) {
          out.print(text.substring(printed.length()));
          printed = text;
        }
      }
    }

    String text() {
      return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }
  }
}
