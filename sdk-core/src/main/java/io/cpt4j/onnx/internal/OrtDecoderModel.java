package io.cpt4j.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.onnx.Forward;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.Logits;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtInputs;
import io.cpt4j.onnx.OrtModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link OrtModel} over one ONNX Runtime CPU session. */
final class OrtDecoderModel implements OrtModel {
  private final Path directory;
  private final ModelConfig config;
  private final OrtEnvironment env;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final boolean kvCache;
  private final OnnxJavaType cacheType;
  private volatile boolean closed;

  OrtDecoderModel(Path directory, int threads) {
    this(directory, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT);
  }

  /** With a given graph optimization level (tests run the graph as written with NO_OPT). */
  OrtDecoderModel(Path directory, int threads, OrtSession.SessionOptions.OptLevel optimization) {
    this.directory = directory.toAbsolutePath();
    Path model = this.directory.resolve(OnnxModelWriter.MODEL);
    Path configFile = this.directory.resolve("config.json");
    if (!Files.isRegularFile(model) || !Files.isRegularFile(configFile)) {
      throw new OnnxException(this.directory + " is not an exported model: it needs " + OnnxModelWriter.MODEL
          + " and config.json (write one with OnnxExport)");
    }
    this.config = ModelConfig.read(configFile);
    this.env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = null;
    OrtSession s = null;
    try {
      opts = new OrtSession.SessionOptions();
      opts.setOptimizationLevel(optimization);
      if (threads > 0) {
        opts.setIntraOpNumThreads(threads);
      }
      s = env.createSession(model.toString(), opts);
      Map<String, NodeInfo> inputs = s.getInputInfo();
      for (String required : List.of(DecoderGraph.INPUT_IDS, DecoderGraph.ATTENTION_MASK, DecoderGraph.POSITION_IDS)) {
        if (!inputs.containsKey(required)) {
          throw new OnnxException(model + " has no input '" + required + "' (inputs: " + inputs.keySet() + ")");
        }
      }
      NodeInfo past = inputs.get(DecoderGraph.pastKey(0));
      this.kvCache = past != null;
      this.cacheType = past == null ? OnnxJavaType.FLOAT : ((TensorInfo) past.getInfo()).type;
    } catch (OrtException | RuntimeException e) {
      if (s != null) {
        closeQuietly(s);
      }
      if (opts != null) {
        opts.close();
      }
      if (e instanceof OnnxException oe) {
        throw oe;
      }
      throw new OnnxException("ONNX Runtime cannot load " + model + ": " + e.getMessage(), e);
    }
    this.options = opts;
    this.session = s;
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public io.cpt4j.onnx.Generation generationDefaults() {
    return GenerationDefaults.read(directory, config, GenerationDefaults.FALLBACK_MAX_NEW_TOKENS);
  }

  @Override
  public boolean hasKvCache() {
    return kvCache;
  }

  @Override
  public Forward forward(OrtInputs in, KvCache past) {
    if (closed) {
      throw new OnnxException("the model at " + directory + " was closed");
    }
    int pastLength = in.totalLength() - in.length();
    check(in, past, pastLength);
    List<OnnxTensor> owned = new ArrayList<>();
    OrtSession.Result result = null;
    try {
      Map<String, OnnxTensor> feed = new HashMap<>();
      feed.put(DecoderGraph.INPUT_IDS, own(owned, longs(in.inputIds(), in.rows(), in.length())));
      feed.put(DecoderGraph.ATTENTION_MASK, own(owned, longs(in.attentionMask(), in.rows(), in.totalLength())));
      feed.put(DecoderGraph.POSITION_IDS, own(owned, longs(in.positionIds(), in.rows(), in.length())));
      if (kvCache) {
        OrtKvCache cache = (OrtKvCache) past;
        OnnxTensor empty = cache == null ? own(owned, emptyCache(in.rows())) : null;
        for (int l = 0; l < config.numLayers(); l++) {
          feed.put(DecoderGraph.pastKey(l), cache == null ? empty : cache.key(l));
          feed.put(DecoderGraph.pastValue(l), cache == null ? empty : cache.value(l));
        }
      }
      result = session.run(feed);
      OnnxTensor logitsTensor = (OnnxTensor) result.get(DecoderGraph.LOGITS)
          .orElseThrow(() -> new OnnxException("the model did not return logits"));
      FloatBuffer fb = logitsTensor.getFloatBuffer();
      float[] values = new float[fb.remaining()];
      fb.get(values);
      Logits logits = new Logits(in.rows(), in.length(), config.vocabSize(), values);
      if (!kvCache) {
        return new Forward(logits, Optional.empty()); // the result is closed below
      }
      OrtKvCache present = new OrtKvCache(result, config.numLayers(), in.rows(), in.totalLength());
      result = null; // owned by the cache now
      return new Forward(logits, Optional.of(present));
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime failed on " + directory + ": " + e.getMessage(), e);
    } finally {
      owned.forEach(OnnxTensor::close);
      if (result != null) {
        result.close();
      }
    }
  }

  @Override
  public int[] generate(int[] prompt, io.cpt4j.onnx.Generation generation, java.util.function.IntConsumer onToken) {
    return OrtGeneration.generate(this, prompt, generation, onToken);
  }

  @Override
  public float[] tokenNll(int[] tokens) {
    for (int id : tokens) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new OnnxException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
    return OrtScoring.tokenNll(this, tokens, config.maxPositionEmbeddings(), OrtScoring.CHUNK);
  }

  private void check(OrtInputs in, KvCache past, int pastLength) {
    for (long id : in.inputIds()) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new OnnxException("input id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
    for (long m : in.attentionMask()) {
      if (m != 0 && m != 1) {
        throw new OnnxException("attention_mask values must be 0 or 1, got " + m);
      }
    }
    if (!kvCache) {
      if (past != null || pastLength != 0) {
        throw new OnnxException("the model at " + directory + " was exported without a key/value cache:"
            + " pass the whole sequence, with no cache and an attention mask of the same length");
      }
      return;
    }
    int cached = past == null ? 0 : past.length();
    if (past != null && !(past instanceof OrtKvCache)) {
      throw new OnnxException("the cache was not made by this runtime");
    }
    if (past != null && past.rows() != in.rows()) {
      throw new OnnxException("the cache has " + past.rows() + " rows, the inputs " + in.rows());
    }
    if (cached != pastLength) {
      throw new OnnxException("attention_mask covers " + in.totalLength() + " positions, which must be the "
          + cached + " cached plus the " + in.length() + " new ones");
    }
  }

  private OnnxTensor longs(long[] data, int rows, int cols) throws OrtException {
    return OnnxTensor.createTensor(env, LongBuffer.wrap(data), new long[] {rows, cols});
  }

  private OnnxTensor emptyCache(int rows) throws OrtException {
    long[] shape = {rows, config.numKvHeads(), 0, config.headDim()};
    ByteBuffer none = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
    return OnnxTensor.createTensor(env, none, shape, cacheType);
  }

  private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
    owned.add(t);
    return t;
  }

  private static void closeQuietly(OrtSession s) {
    try {
      s.close();
    } catch (OrtException ignored) {
      // already failing
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(session);
    options.close();
  }
}
