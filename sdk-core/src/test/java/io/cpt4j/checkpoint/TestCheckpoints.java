package io.cpt4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.internal.HfConfigCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Shared fixtures for the checkpoint tests: tiny model configurations, random checkpoints, raw
 * (hand-built) safetensors files, a byte-backed {@link Tensor}, and a reference implementation of
 * float narrowing that does not use the code under test.
 */
public final class TestCheckpoints {
  private TestCheckpoints() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  // ---------------------------------------------------------------- tiny configurations

  /** Llama with 4 heads of width 4, 2 layers, untied head. */
  public static ModelConfig tinyLlama() {
    return ModelConfig.builder(Architecture.LLAMA)
        .vocabSize(48).hiddenSize(16).intermediateSize(24).numLayers(2).numHeads(4)
        .maxPositionEmbeddings(64).build();
  }

  /** Llama with grouped-query attention: 4 query heads share 2 key/value heads. */
  public static ModelConfig tinyLlamaGqa() {
    return tinyLlama().newBuilder().numKvHeads(2).build();
  }

  /** Llama whose LM head reuses the input embedding. */
  public static ModelConfig tinyLlamaTied() {
    return tinyLlama().newBuilder().tieWordEmbeddings(true).build();
  }

  /** Qwen2: Llama layout with a bias on q/k/v (not on o), GQA and tied embeddings. */
  public static ModelConfig tinyQwen2() {
    return tinyLlama().newBuilder().hfClass("Qwen2ForCausalLM").modelType("qwen2").numKvHeads(1)
        .qkvBias(true).tieWordEmbeddings(true).ropeTheta(1_000_000.0).build();
  }

  /** GPT-NeoX (Pythia layout): head width 8, rotary_pct 0.25, parallel residual, biases everywhere. */
  /** Qwen3: q/k RMSNorm per head, a head width (8) that is not hidden / heads (4), grouped-query attention. */
  public static ModelConfig tinyQwen3() {
    return tinyLlama().newBuilder().hfClass("Qwen3ForCausalLM").modelType("qwen3").numKvHeads(2).headDim(8)
        .ropeTheta(1_000_000.0).build();
  }

  /**
   * Gemma 3 (text): head width 8 ≠ hidden / heads, query_pre_attn_scalar 6, layers sliding (window 3,
   * local rope base 10) and global (base 1e6) in Gemma's pattern of 3, tanh-GELU, tied.
   */
  public static ModelConfig tinyGemma3() {
    return tinyLlama().newBuilder().hfClass("Gemma3ForCausalLM").modelType("gemma3_text").numLayers(3).numKvHeads(2)
        .headDim(8).hiddenAct("gelu_pytorch_tanh").tieWordEmbeddings(true).ropeTheta(1_000_000.0).localRopeTheta(10.0)
        .queryPreAttnScalar(6).slidingWindow(3).layerTypes(List.of(ModelConfig.SLIDING_ATTENTION,
            ModelConfig.SLIDING_ATTENTION, ModelConfig.FULL_ATTENTION)).build();
  }

  public static ModelConfig tinyNeox() {
    return ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(40).hiddenSize(32).intermediateSize(48).numLayers(2).numHeads(4)
        .maxPositionEmbeddings(64).build();
  }

  /** The rope_scaling map of a Llama 3 checkpoint, scaled down to the tiny models' 8 positions. */
  public static final Map<String, Object> LLAMA3_ROPE_SCALING = Map.of("rope_type", "llama3", "factor", 8.0,
      "low_freq_factor", 1.0, "high_freq_factor", 4.0, "original_max_position_embeddings", 8);

  /**
   * Every decoder variant the model supports, as (name, configuration) arguments: the list the
   * decoder parity, HF golden and ONNX tests run over. The names key the HF golden files.
   */
  public static Stream<Arguments> decoderVariants() {
    return Stream.of(
        Arguments.of("llama", tinyLlama()),
        Arguments.of("llama-gqa", tinyLlamaGqa()),
        Arguments.of("llama-tied", tinyLlamaTied()),
        Arguments.of("qwen2-qkv-bias", tinyQwen2()),
        Arguments.of("llama-head-dim-8-all-biases", tinyLlamaGqa().newBuilder().headDim(8)
            .qkvBias(true).attentionOutputBias(true).mlpBias(true).build()),
        Arguments.of("llama3-rope-scaling", tinyLlama().newBuilder().ropeScaling(LLAMA3_ROPE_SCALING).build()),
        Arguments.of("linear-rope-scaling", tinyLlama().newBuilder()
            .ropeScaling(Map.of("type", "linear", "factor", 4.0)).ropeTheta(500000.0).build()),
        Arguments.of("yarn-rope-scaling", tinyLlama().newBuilder().ropeScaling(Map.of("rope_type", "yarn",
            "factor", 4.0, "original_max_position_embeddings", 4)).ropeTheta(100.0).build()),
        Arguments.of("mistral-sliding-window", tinyLlamaGqa().newBuilder().hfClass("MistralForCausalLM")
            .modelType("mistral").slidingWindowEverywhere(3).build()),
        Arguments.of("qwen2-sliding-window-layer", tinyQwen2().newBuilder().slidingWindow(2)
            .layerTypes(List.of(ModelConfig.FULL_ATTENTION, ModelConfig.SLIDING_ATTENTION)).build()),
        Arguments.of("qwen3-qk-norm", tinyQwen3()),
        Arguments.of("qwen3-attention-bias-sliding-layer", tinyQwen3().newBuilder().qkvBias(true)
            .attentionOutputBias(true).tieWordEmbeddings(true).slidingWindow(3)
            .layerTypes(List.of(ModelConfig.SLIDING_ATTENTION, ModelConfig.FULL_ATTENTION)).build()),
        Arguments.of("gemma3-local-global", tinyGemma3()),
        Arguments.of("gemma3-final-softcap-scaled-rope", tinyGemma3().newBuilder()
            .finalLogitSoftcap(3.0).ropeScaling(Map.of("rope_type", "linear", "factor", 8.0)).tieWordEmbeddings(false)
            .build()),
        Arguments.of("neox-parallel-partial-rotary", tinyNeox()),
        Arguments.of("neox-sequential-tied-full-rotary", tinyNeox().newBuilder()
            .parallelResidual(false).tieWordEmbeddings(true).rotaryPct(1.0).build()),
        Arguments.of("neox-no-attention-bias", tinyNeox().newBuilder()
            .qkvBias(false).attentionOutputBias(false).build()));
  }

  // ---------------------------------------------------------------- random tensors

  /** One F32 tensor per expected name and shape of {@code config}, filled by {@link #interestingFloat}. */
  public static List<Tensor> randomTensors(ModelConfig config, long seed) {
    Random r = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    config.expectedTensors().forEach((name, shape) -> {
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) TensorInfo.of(name, DType.F32, dims).elementCount()];
      for (int i = 0; i < data.length; i++) {
        data[i] = interestingFloat(r);
      }
      out.add(Tensor.ofFloats(name, dims, data));
    });
    return out;
  }

  /**
   * Mostly ordinary weights, mixed with values that stress narrowing: exact BF16 / F16 ties,
   * subnormals, values beyond the F16 range, signed zeros, infinities and NaN.
   */
  public static float interestingFloat(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> Float.intBitsToFloat((r.nextInt(0x10000) << 16) | 0x8000); // a BF16 tie
      case 1 -> 1f + (2 * r.nextInt(1 << 10) + 1) * 0x1p-11f;             // an F16 tie near 1
      case 2 -> Float.intBitsToFloat(r.nextInt(0x00800000));               // a float subnormal
      case 3 -> (r.nextBoolean() ? 1 : -1) * (65504f + r.nextInt(64));    // around the F16 limit
      case 4 -> (float) (r.nextGaussian() * 1e-6);                         // F16 subnormal range
      case 5 -> switch (r.nextInt(5)) {
        case 0 -> Float.NaN;
        case 1 -> Float.POSITIVE_INFINITY;
        case 2 -> Float.NEGATIVE_INFINITY;
        case 3 -> -0.0f;
        default -> Float.MAX_VALUE;
      };
      case 6 -> Float.intBitsToFloat(r.nextInt());                          // any bit pattern
      default -> (float) (r.nextGaussian() * 0.02);
    };
  }

  // ---------------------------------------------------------------- reference narrowing

  /**
   * Rounds {@code x} to the nearest value with {@code precision} significant bits and minimum
   * normal exponent {@code minExponent}, ties to even, overflowing to infinity above {@code
   * maxFinite}. Uses only double arithmetic ({@link Math#rint} rounds half to even), so it is
   * independent of the bit manipulations in the code under test.
   */
  static float referenceRound(float x, int precision, int minExponent, double maxFinite) {
    if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
      return x;
    }
    double a = Math.abs((double) x);
    int e = Math.max(Math.getExponent(a), minExponent);
    double quantum = Math.scalb(1.0, e - (precision - 1));
    double rounded = Math.rint(a / quantum) * quantum;
    double result = rounded > maxFinite ? Double.POSITIVE_INFINITY : rounded;
    return (float) Math.copySign(result, x);
  }

  /** The BF16 value nearest to {@code x} (8 significant bits, float's exponent range). */
  public static float referenceBf16(float x) {
    return referenceRound(x, 8, -126, 0x1.FEp127);
  }

  /** The F16 value nearest to {@code x} (11 significant bits, exponents -14..15, max 65504). */
  public static float referenceF16(float x) {
    return referenceRound(x, 11, -14, 65504.0);
  }

  /** {@code x} as it reads back after being stored as {@code dtype}. */
  public static float stored(DType dtype, float x) {
    return switch (dtype) {
      case F32 -> x;
      case BF16 -> referenceBf16(x);
      case F16 -> referenceF16(x);
      case F64 -> x;
      default -> throw new IllegalArgumentException(dtype.toString());
    };
  }

  /** Bit patterns with every NaN collapsed to the canonical one, for exact array comparisons. */
  public static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.floatToIntBits(values[i]);
    }
    return out;
  }

  // ---------------------------------------------------------------- tensors over raw bytes

  /** A tensor over little-endian bytes (any dtype); floating-point types decode independently. */
  public record RawTensor(TensorInfo info, byte[] data) implements Tensor {
    public RawTensor {
      if (data.length != info.byteSize()) {
        throw new IllegalArgumentException(info + " needs " + info.byteSize() + " bytes, got " + data.length);
      }
    }

    public static RawTensor of(String name, DType dtype, long[] shape, byte[] data) {
      return new RawTensor(TensorInfo.of(name, dtype, shape), data);
    }

    @Override
    public MemorySegment bytes() {
      return MemorySegment.ofArray(data).asReadOnly();
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      Objects.checkFromIndexSize(fromElement, length, elementCount());
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < length; i++) {
        int at = (int) (fromElement + i) * dtype().byteSize();
        dst[offset + i] = switch (dtype()) {
          case F32 -> b.getFloat(at);
          case F64 -> (float) b.getDouble(at);
          case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
          case F16 -> Float.float16ToFloat(b.getShort(at));
          default -> throw new UnsupportedOperationException(dtype() + " is not floating point");
        };
      }
    }
  }

  /** Little-endian bytes of {@code n} values produced by {@code put}. */
  public static byte[] littleEndian(int bytes, java.util.function.Consumer<ByteBuffer> put) {
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    put.accept(b);
    return b.array();
  }

  // ---------------------------------------------------------------- hand-built safetensors files

  /** A safetensors file: 8-byte little-endian {@code lengthPrefix}, then the header, then the data. */
  public static byte[] safetensors(long lengthPrefix, byte[] header, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(lengthPrefix).put(header).put(data);
    return b.array();
  }

  /** A safetensors file whose length prefix is the header's true length. */
  public static byte[] safetensors(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return safetensors(h.length, h, data);
  }

  public static Path write(Path file, byte[] content) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path writeString(Path file, String content) {
    return write(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** The 8-byte header length of a safetensors file. */
  public static long headerLength(Path file) {
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, 0);
      return b.getLong(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parsed JSON header of a safetensors file. */
  public static JsonNode header(Path file) {
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer b = ByteBuffer.allocate((int) headerLength(file));
      ch.read(b, 8);
      return JSON.readTree(b.array());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- checkpoint directories

  /** The config.json text cpt4j writes for {@code config}. */
  public static String configJson(ModelConfig config) {
    return HfConfigCodec.toJson(config).toPrettyString();
  }

  /**
   * A checkpoint directory written without the writer's check of tensors against the config, so
   * tests can build directories whose tensors do not match their config.json.
   */
  public static Path writeUncheckedCheckpoint(Path dir, ModelConfig config, List<? extends Tensor> tensors) {
    Safetensors.write(dir.resolve("model.safetensors"), tensors, null, Map.of("format", "pt"));
    writeString(dir.resolve("config.json"), configJson(config));
    return dir;
  }

  /** Names of the entries of a directory, sorted. */
  public static List<String> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
