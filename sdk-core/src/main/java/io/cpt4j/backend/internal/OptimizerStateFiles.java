package io.cpt4j.backend.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.LossScaling;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.files.AtomicFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The optimizer-state files of a session: {@code optimizer.safetensors} (AdamW moments) and {@code
 * optimizer.json} (step count, loss-scale state, the settings they belong to). The layout is
 * documented on {@link io.cpt4j.backend.TrainingSession#saveState}. Stateless.
 */
final class OptimizerStateFiles {
  static final String JSON_FILE = "optimizer.json";
  static final String MOMENTS_FILE = "optimizer.safetensors";
  static final String FORMAT = "cpt4j-optimizer-state";
  static final int VERSION = 1;
  static final String FIRST = "exp_avg.";
  static final String SECOND = "exp_avg_sq.";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OptimizerStateFiles() {}

  /** Writes the moments of the trainable parameters {@code params}, then the JSON that refers to them. */
  static void save(Path dir, SessionOptions options, Map<String, NDArray> params, AdamWUpdate optimizer,
      LossScaler scaler) {
    requireFloat32(params, dir);
    String saveId = UUID.randomUUID().toString();
    List<Tensor> moments = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      long[] shape = e.getValue().getShape().getShape();
      moments.add(lazy(FIRST + e.getKey(), shape, optimizer.firstMoment(e.getKey())));
      moments.add(lazy(SECOND + e.getKey(), shape, optimizer.secondMoment(e.getKey())));
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT).put("version", VERSION).put("save_id", saveId).put("steps", optimizer.steps())
        .put("precision", options.precision().name());
    options.trainable().patterns().forEach(root.putArray("trainable")::add);
    AdamW a = options.optimizer();
    root.putObject("optimizer").put("beta1", a.beta1()).put("beta2", a.beta2()).put("eps", a.eps())
        .put("weight_decay", a.weightDecay()).put("decay_embeddings", a.decayEmbeddings())
        .put("max_grad_norm", a.maxGradNorm());
    LossScaling l = options.lossScaling();
    root.putObject("loss_scaling").put("initial_scale", l.initialScale()).put("growth_factor", l.growthFactor())
        .put("backoff_factor", l.backoffFactor()).put("growth_interval", l.growthInterval());
    root.put("loss_scale", scaler.scale()).put("clean_steps", scaler.cleanSteps()).put("moments", MOMENTS_FILE);
    try {
      Files.createDirectories(dir);
      Safetensors.write(dir.resolve(MOMENTS_FILE), moments, DType.F32,
          Map.of("format", "pt", "save_id", saveId, "steps", Long.toString(optimizer.steps())));
      AtomicFiles.write(dir.resolve(JSON_FILE), JSON.writeValueAsBytes(root));
    } catch (IOException | CheckpointException e) {
      throw new BackendException("could not save the optimizer state to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Reads and checks everything, then replaces the optimizer's and the scaler's state. */
  static void restore(Path dir, SessionOptions options, Map<String, NDArray> params, NDManager manager,
      AdamWUpdate optimizer, LossScaler scaler) {
    requireFloat32(params, dir);
    Path jsonFile = dir.resolve(JSON_FILE);
    Json json = new Json(jsonFile, read(jsonFile));
    if (!FORMAT.equals(json.text("format")) || json.integer("version") != VERSION) {
      throw json.bad("is not a version " + VERSION + " " + FORMAT + " file");
    }
    long steps = json.integer("steps");
    double scale = json.number("loss_scale");
    long clean = json.integer("clean_steps");
    if (steps < 0 || !(scale > 0) || Double.isInfinite(scale) || clean < 0 || clean > Integer.MAX_VALUE) {
      throw json.bad("has an impossible state: steps " + steps + ", loss_scale " + scale + ", clean_steps " + clean);
    }
    checkSettings(json, dir, options);
    String moments = json.text("moments");
    if (!Path.of(moments).getFileName().toString().equals(moments)) {
      throw json.bad("names moments file '" + moments + "' outside its directory");
    }
    Path momentsFile = dir.resolve(moments);
    Map<String, NDArray> first = new HashMap<>();
    Map<String, NDArray> second = new HashMap<>();
    try (TensorStore store = Safetensors.open(momentsFile)) {
      if (!json.text("save_id").equals(store.metadata().get("save_id"))) {
        throw new BackendException(momentsFile + " and " + jsonFile + " come from different saves (save_id "
            + store.metadata().get("save_id") + " vs " + json.text("save_id") + "): the last save into " + dir
            + " did not complete");
      }
      checkTensors(store, momentsFile, params);
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        Shape shape = e.getValue().getShape();
        first.put(e.getKey(), load(manager, store.tensor(FIRST + e.getKey()), shape));
        second.put(e.getKey(), load(manager, store.tensor(SECOND + e.getKey()), shape));
      }
    } catch (CheckpointException e) {
      first.values().forEach(NDArray::close);
      second.values().forEach(NDArray::close);
      throw new BackendException("cannot read the optimizer moments: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      first.values().forEach(NDArray::close);
      second.values().forEach(NDArray::close);
      throw e;
    }
    optimizer.restore(steps, first, second);
    scaler.restore(scale, (int) clean);
  }

  private static void checkSettings(Json json, Path dir, SessionOptions options) {
    String precision = json.text("precision");
    if (!precision.equals(options.precision().name())) {
      throw mismatch(dir, "precision", precision, options.precision().name());
    }
    List<String> trainable = new ArrayList<>(); // absent in files from before freezing: every parameter
    json.node().path("trainable").forEach(p -> trainable.add(p.asText()));
    if (!trainable.equals(options.trainable().patterns())) {
      throw mismatch(dir, "trainable parameters", trainable.isEmpty() ? "all" : trainable,
          options.trainable().describe());
    }
    AdamW a = options.optimizer();
    Json o = json.object("optimizer");
    same(dir, "AdamW beta1", o.number("beta1"), a.beta1());
    same(dir, "AdamW beta2", o.number("beta2"), a.beta2());
    same(dir, "AdamW eps", o.number("eps"), a.eps());
    same(dir, "AdamW weight_decay", o.number("weight_decay"), a.weightDecay());
    if (o.bool("decay_embeddings") != a.decayEmbeddings()) {
      throw mismatch(dir, "AdamW decay_embeddings", o.bool("decay_embeddings"), a.decayEmbeddings());
    }
    same(dir, "AdamW max_grad_norm", o.number("max_grad_norm"), a.maxGradNorm());
    if (options.precision() == Precision.FP16_MIXED) {
      LossScaling l = options.lossScaling();
      Json s = json.object("loss_scaling");
      same(dir, "loss scaling initial_scale", s.number("initial_scale"), l.initialScale());
      same(dir, "loss scaling growth_factor", s.number("growth_factor"), l.growthFactor());
      same(dir, "loss scaling backoff_factor", s.number("backoff_factor"), l.backoffFactor());
      if (s.integer("growth_interval") != l.growthInterval()) {
        throw mismatch(dir, "loss scaling growth_interval", s.integer("growth_interval"), l.growthInterval());
      }
    }
  }

  /** Every parameter has both moments as F32 of its shape, and nothing else is in the file. */
  private static void checkTensors(TensorStore store, Path file, Map<String, NDArray> params) {
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      List<Long> shape = new ArrayList<>();
      for (long d : e.getValue().getShape().getShape()) {
        shape.add(d);
      }
      for (String prefix : List.of(FIRST, SECOND)) {
        String name = prefix + e.getKey();
        if (!store.contains(name)) {
          throw new BackendException(file + " does not match this session's model: it has no " + name
              + " (the state was saved from another model)");
        }
        TensorInfo info = store.tensor(name).info();
        if (info.dtype() != DType.F32 || !info.shape().equals(shape)) {
          throw new BackendException(file + " does not match this session's model: " + name + " is "
              + info.dtype() + " " + info.shape() + ", the parameter is F32 " + shape);
        }
      }
    }
    if (store.tensors().size() != 2 * params.size()) {
      String extra = store.tensors().stream().map(TensorInfo::name)
          .filter(n -> !(n.startsWith(FIRST) && params.containsKey(n.substring(FIRST.length())))
              && !(n.startsWith(SECOND) && params.containsKey(n.substring(SECOND.length()))))
          .findFirst().orElse("?");
      throw new BackendException(file + " does not match this session's model: it holds " + extra
          + ", which is not a moment of any parameter of this model");
    }
  }

  private static NDArray load(NDManager manager, Tensor t, Shape shape) {
    NDArray a = manager.create(t.toFloatArray(), shape);
    NDScope.unregister(a);
    return a;
  }

  private static void requireFloat32(Map<String, NDArray> params, Path dir) {
    for (NDArray p : params.values()) {
      if (p.getDataType() != DataType.FLOAT32) {
        throw new BackendException("optimizer state (" + dir + ") is only saved and restored for float32 master "
            + "weights, this session's are " + p.getDataType());
      }
    }
  }

  private static void same(Path dir, String field, double saved, double current) {
    if (Double.doubleToLongBits(saved) != Double.doubleToLongBits(current)) {
      throw mismatch(dir, field, saved, current);
    }
  }

  private static BackendException mismatch(Path dir, String field, Object saved, Object current) {
    return new BackendException("the optimizer state in " + dir + " was saved with " + field + " = " + saved
        + ", this session has " + current + ": open the session with the saved settings");
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new BackendException(file + ": no such file: no optimizer state was saved in " + file.getParent());
    } catch (JsonProcessingException e) {
      throw new BackendException(file + ": not valid JSON (truncated or corrupt): " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new BackendException(file + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /** A float32 tensor that reads its data only when the writer reaches it (one tensor on the heap at a time). */
  private static Tensor lazy(String name, long[] shape, NDArray source) {
    TensorInfo info = TensorInfo.of(name, DType.F32, shape);
    Supplier<float[]> data =
        source == null ? () -> new float[Math.toIntExact(info.elementCount())] : source::toFloatArray;
    return new Tensor() {
      @Override
      public TensorInfo info() {
        return info;
      }

      @Override
      public MemorySegment bytes() { // platform order: cpt4j supports little-endian platforms only
        return MemorySegment.ofArray(data.get()).asReadOnly();
      }

      @Override
      public void readFloats(long fromElement, float[] dst, int offset, int length) {
        Objects.checkFromIndexSize(fromElement, length, info.elementCount());
        System.arraycopy(data.get(), (int) fromElement, dst, offset, length);
      }
    };
  }

  /** Typed access to the JSON with errors that name the file and the field. */
  private record Json(Path file, JsonNode node) {
    BackendException bad(String what) {
      return new BackendException(file + " " + what);
    }

    private JsonNode field(String name, boolean ok) {
      if (!ok) {
        throw bad("lacks a valid '" + name + "' (truncated or corrupt)");
      }
      return node.get(name);
    }

    String text(String name) {
      return field(name, node.path(name).isTextual()).asText();
    }

    long integer(String name) {
      return field(name, node.path(name).canConvertToLong() && node.path(name).isIntegralNumber()).asLong();
    }

    double number(String name) {
      return field(name, node.path(name).isNumber()).asDouble();
    }

    boolean bool(String name) {
      return field(name, node.path(name).isBoolean()).asBoolean();
    }

    Json object(String name) {
      return new Json(file, field(name, node.path(name).isObject()));
    }
  }
}
