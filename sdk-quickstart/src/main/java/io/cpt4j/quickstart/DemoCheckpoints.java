package io.cpt4j.quickstart;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the demo checkpoints the README's first command inspects: a tiny Llama (grouped-query
 * attention, F32, one file) and a tiny Pythia/GPT-NeoX (partial rotary, parallel residual, BF16,
 * sharded), each with a byte-level BPE tokenizer, initialised as transformers does (normal(0, 0.02)
 * weights, unit norms, zero biases) from a fixed seed. The build runs it; run it by hand as
 * {@code DemoCheckpoints OUTPUT_DIR}.
 */
public final class DemoCheckpoints {
  private DemoCheckpoints() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "sdk-quickstart/target/models");
    Files.createDirectories(out);
    Path tokenizer = out.resolve("tokenizer.json");
    DemoTokenizer.write(tokenizer);
    int eos = DemoTokenizer.vocabSize() - 1;
    ModelConfig llama = ModelConfig.builder(Architecture.LLAMA)
        .vocabSize(DemoTokenizer.vocabSize()).hiddenSize(128).intermediateSize(344).numLayers(4)
        .numHeads(8).numKvHeads(2).maxPositionEmbeddings(1024).ropeTheta(10000.0)
        .bosTokenId(eos).eosTokenIds(List.of(eos)).build();
    ModelConfig pythia = ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(DemoTokenizer.vocabSize()).hiddenSize(128).intermediateSize(512).numLayers(4)
        .numHeads(4).rotaryPct(0.25).maxPositionEmbeddings(1024).torchDtype("bfloat16")
        .bosTokenId(eos).eosTokenIds(List.of(eos)).build();
    write(out.resolve("tiny-llama"), llama, null, Long.MAX_VALUE, tokenizer);
    write(out.resolve("tiny-pythia"), pythia, DType.BF16, 256 * 1024, tokenizer);
    Files.delete(tokenizer);
    System.out.println("demo checkpoints written to " + out.toAbsolutePath());
  }

  static void write(Path dir, ModelConfig config, DType dtype, long maxShard, Path tokenizer) {
    ModelInit.write(config, 42, CheckpointWriter.to(dir).dtype(dtype).maxShardSize(maxShard)
        .metadata(Map.of("generator", "cpt4j DemoCheckpoints")).copyFile(tokenizer).overwrite(true));
  }
}
