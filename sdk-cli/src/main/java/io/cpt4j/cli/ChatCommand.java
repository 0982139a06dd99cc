package io.cpt4j.cli;

import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplate;
import io.cpt4j.tokenize.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j chat ONNX_DIR}: a conversation in the model's chat template, with history. */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Chat with an exported ONNX model (cpt4j export onnx) in its own chat",
      "template. Each line you type is a user turn; the conversation so far is",
      "rendered with the template (as transformers' apply_chat_template with",
      "add_generation_prompt) and the reply streams back, ending at any of the",
      "model's end-of-sequence ids. Decoding defaults come from",
      "generation_config.json; flags override them. Type /reset to start over,",
      "/exit (or end the input) to leave. Statistics go to stderr."
    })
final class ChatCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ONNX_DIR", description = "Directory written by 'cpt4j export onnx'.")
  Path directory;

  @Option(names = "--system", paramLabel = "TEXT", description = "A system message that opens the conversation.")
  String system;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "CPU threads (default: 0 = ONNX Runtime's default, one per physical core).")
  int threads;

  @Mixin GenerationFlags sampling;

  @Override
  public Integer call() throws Exception {
    if (threads < 0) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0 (0 = default), got " + threads);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path tokenizerFile = directory.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new OnnxException(directory + " has no tokenizer.json: chat needs the model's tokenizer");
    }
    ChatTemplate template = ChatPrompts.template(directory);
    try (OrtModel model = OrtModel.load(directory, threads); Tokenizer tokenizer = Tokenizer.open(tokenizerFile)) {
      Generation generation = sampling.over(model.generationDefaults(), spec);
      Set<Integer> stops = new HashSet<>(generation.stopTokens());
      List<ChatMessage> history = new ArrayList<>();
      if (system != null) {
        history.add(ChatMessage.system(system));
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (true) {
        out.print("> ");
        out.flush();
        String line = in.readLine();
        if (line == null || line.strip().equals("/exit")) {
          break;
        }
        if (line.strip().equals("/reset")) {
          history.subList(system != null ? 1 : 0, history.size()).clear();
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        history.add(ChatMessage.user(line));
        int[] prompt = template.encode(tokenizer, history, true);
        GenerateCommand.Streamer streamer = new GenerateCommand.Streamer(tokenizer, stops, out);
        long start = System.nanoTime();
        int[] reply = model.generate(prompt, generation, streamer::accept);
        streamer.finish();
        out.println();
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "[%d prompt tokens, %d generated in %.2f s]%n", prompt.length, reply.length, seconds);
        history.add(ChatMessage.assistant(streamer.text()));
      }
    }
    out.flush();
    return 0;
  }
}
