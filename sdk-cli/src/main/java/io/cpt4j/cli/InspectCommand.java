package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j inspect DIR [--json]}: what a checkpoint holds, without reading tensor data. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Show a checkpoint's architecture, size, files and tensors (tensor data is not read).")
final class InspectCommand implements Callable<Integer> {
  private static final String TOKENIZER = "tokenizer.json";

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Checkpoint directory (Hugging Face layout).")
  Path directory;

  @Option(names = "--json", description = "Print JSON: architecture, parameters, tensors (then more keys).")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (Checkpoint ckpt = Checkpoint.open(directory)) {
      Summary s = Summary.of(ckpt);
      if (json) {
        printJson(s, out);
      } else {
        printHuman(s, out);
      }
    }
    out.flush();
    return 0;
  }

  /** What both output forms show, gathered once. */
  record Summary(
      Path directory,
      ModelConfig config,
      long parameters,
      List<TensorInfo> tensors,
      Map<DType, Integer> dtypeCounts,
      List<FileEntry> files,
      boolean hasTokenizer) {

    static Summary of(Checkpoint ckpt) throws IOException {
      Map<DType, Integer> counts = new EnumMap<>(DType.class);
      for (TensorInfo t : ckpt.tensors()) {
        counts.merge(t.dtype(), 1, Integer::sum);
      }
      Path dir = ckpt.directory();
      return new Summary(
          dir, ckpt.config(), ckpt.parameterCount(), ckpt.tensors(), counts, FileEntry.list(dir),
          Files.isRegularFile(dir.resolve(TOKENIZER)));
    }
  }

  /** A regular file of the checkpoint directory. */
  record FileEntry(String name, long bytes) {
    static List<FileEntry> list(Path dir) throws IOException {
      List<FileEntry> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.sorted().toList()) {
          String name = p.getFileName().toString();
          if (!name.startsWith(".") && Files.isRegularFile(p)) {
            files.add(new FileEntry(name, Files.size(p)));
          }
        }
      }
      return files;
    }
  }

  private static void printHuman(Summary s, PrintWriter out) {
    ModelConfig c = s.config();
    String fmt = "%-14s %s%n";
    out.printf(fmt, "Checkpoint:", s.directory().toAbsolutePath().normalize());
    out.printf(fmt, "Architecture:", c.modelType() + " (" + c.hfClass() + ")");
    out.printf(fmt, "Parameters:", Numbers.grouped(s.parameters()) + " (" + Numbers.shortForm(s.parameters()) + ")");
    out.printf(fmt, "Layers:", c.numLayers());
    out.printf(fmt, "Hidden size:", c.hiddenSize() + " (intermediate " + c.intermediateSize() + ")");
    out.printf(fmt, "Heads:", c.numHeads() + " (kv heads " + c.numKvHeads() + ", head dim " + c.headDim() + ")");
    out.printf(fmt, "Vocab size:", c.vocabSize());
    out.printf(fmt, "Config dtype:", c.torchDtype());
    out.printf(fmt, "Tensor dtypes:", s.dtypeCounts().entrySet().stream()
        .map(e -> e.getKey() + " (" + e.getValue() + (e.getValue() == 1 ? " tensor)" : " tensors)"))
        .collect(Collectors.joining(", ")));
    String label = "Files:";
    int width = s.files().stream().mapToInt(f -> f.name().length()).max().orElse(0);
    for (FileEntry f : s.files()) {
      out.printf("%-14s %-" + width + "s  %10s%n", label, f.name(), io.cpt4j.checkpoint.ByteSizes.decimal(f.bytes()));
      label = "";
    }
    out.printf(fmt, "Tokenizer:", s.hasTokenizer() ? "tokenizer.json present" : "none (no tokenizer.json)");
    out.println();
    printTensorTable(s.tensors(), out);
  }

  private static void printTensorTable(List<TensorInfo> tensors, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "DTYPE", "SHAPE"});
    for (TensorInfo t : tensors) {
      rows.add(new String[] {t.name(), t.dtype().name(), t.shape().toString()});
    }
    int nameWidth = rows.stream().mapToInt(r -> r[0].length()).max().orElse(4);
    int dtypeWidth = rows.stream().mapToInt(r -> r[1].length()).max().orElse(5);
    out.println("Tensors (" + tensors.size() + "):");
    for (String[] r : rows) {
      out.printf("  %-" + nameWidth + "s  %-" + dtypeWidth + "s  %s%n", r[0], r[1], r[2]);
    }
  }

  private static void printJson(Summary s, PrintWriter out) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ModelConfig c = s.config();
    ObjectNode root = mapper.createObjectNode();
    root.put("architecture", c.modelType());
    root.put("parameters", s.parameters());
    ArrayNode tensors = root.putArray("tensors");
    for (TensorInfo t : s.tensors()) {
      ObjectNode n = tensors.addObject();
      n.put("name", t.name());
      n.put("dtype", t.dtype().name());
      ArrayNode shape = n.putArray("shape");
      t.shape().forEach(shape::add);
    }
    root.put("hf_class", c.hfClass());
    ObjectNode cfg = root.putObject("config");
    cfg.put("num_hidden_layers", c.numLayers());
    cfg.put("hidden_size", c.hiddenSize());
    cfg.put("intermediate_size", c.intermediateSize());
    cfg.put("num_attention_heads", c.numHeads());
    cfg.put("num_key_value_heads", c.numKvHeads());
    cfg.put("head_dim", c.headDim());
    cfg.put("vocab_size", c.vocabSize());
    cfg.put("max_position_embeddings", c.maxPositionEmbeddings());
    cfg.put("tie_word_embeddings", c.tieWordEmbeddings());
    cfg.put("torch_dtype", c.torchDtype());
    ObjectNode dtypes = root.putObject("dtypes");
    s.dtypeCounts().forEach((t, n) -> dtypes.put(t.name(), n));
    ArrayNode files = root.putArray("files");
    for (FileEntry f : s.files()) {
      files.addObject().put("name", f.name()).put("bytes", f.bytes());
    }
    root.put("tokenizer", s.hasTokenizer());
    out.println(mapper.writeValueAsString(root));
  }
}
