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
import picocli.CommandLine.Mixin;
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
      "Generate a continuation with an exported ONNX model (cpt4j export onnx),",
      "printing text as it comes. Defaults come from the model's",
      "generation_config.json as transformers reads it (greedy unless it sets",
      "do_sample; its temperature, top_k, top_p, repetition_penalty,",
      "max_new_tokens and eos_token_id list); each flag overrides its field.",
      "--temperature > 0 samples, seeded by --seed; --temperature 0 is greedy.",
      "Stops at any end-of-sequence id, --max-new-tokens or the context length.",
      "--prompt is encoded as transformers' tokenizer(text), with the BOS the",
      "tokenizer adds (--no-special-tokens: the text alone). --chat renders",
      "--prompt (and --system) as a user turn in the model's chat template with",
      "the assistant's generation prompt, encoded as apply_chat_template does.",
      "A summary (tokens, tokens/s, why it stopped) goes to stderr."
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

  @Mixin GenerationFlags sampling;

  @Option(names = "--no-special-tokens",
      description = "Encode --prompt without the BOS/EOS the tokenizer would add (add_special_tokens=False).")
  boolean noSpecialTokens;

  @Option(names = "--chat", description = "Render --prompt as a user message with the model's chat template.")
  boolean chat;

  @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the user's (with --chat).")
  String system;

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
    if ((chat || system != null) && input.prompt == null) {
      throw new ParameterException(spec.commandLine(), "--chat and --system need --prompt");
    }
    if (system != null && !chat) {
      throw new ParameterException(spec.commandLine(), "--system needs --chat");
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
      Generation generation = sampling.over(model.generationDefaults(), spec);
      int[] prompt = !needTokenizer ? input.tokens.ids()
          : chat ? ChatPrompts.encode(directory, tokenizer, system, input.prompt)
          : tokenizer.encode(input.prompt, !noSpecialTokens);
      Set<Integer> stops = new HashSet<>(generation.stopTokens());
      Streamer streamer = new Streamer(tokenizer, stops, json ? null : out);
      long start = System.nanoTime();
      int[] generated = model.generate(prompt, generation, streamer::accept);
      streamer.finish();
      double seconds = (System.nanoTime() - start) / 1e9;
      boolean atStop = generated.length > 0 && stops.contains(generated[generated.length - 1]);
      String reason = atStop ? "end-of-sequence token"
          : generated.length == generation.maxNewTokens() ? "max new tokens" : "context length";
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
  static final class Streamer {
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
