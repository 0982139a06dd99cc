package io.cpt4j.merge.internal.methods;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.internal.LayerConfigs;
import io.cpt4j.checkpoint.internal.RenamedTensor;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeSlice;
import io.cpt4j.merge.MethodDeclaration.BaseRole;
import io.cpt4j.merge.internal.engine.Mismatches;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of a merge given as {@link Merge#slices}, planned as mergekit's {@code MergePlanner}
 * plans it: the tensors before the decoder layers (embeddings) merged from the first slice's sources
 * at position 0, then for each slice and each offset {@code o} one output layer, renamed to the next
 * consecutive index, merged from layer {@code start + o} of every source at position {@code o / (L −
 * 1)} of the slice's {@code L} layers (1 when {@code L = 1}), then the tensors after the layers (final
 * norm, LM head) from the last slice's sources at position 1. In each slice the base (for methods
 * that take task vectors against it) is the source from the base checkpoint and the models the other
 * sources; for the other methods every source is a model. Every input tensor is a view of the stored
 * one under its output name, so a passthrough copy is exact. The base's config.json is rewritten with
 * the new layer count and per-layer lists ({@link LayerConfigs}). Stateless apart from its result.
 */
final class SlicePlan {
  private static final Pattern LAYER = Pattern.compile("^(.*?(?:layers|h))\\.(\\d+)\\.(.+)$");
  private static final Pattern BEFORE = Pattern.compile(".*(embed_tokens|embed_in|wte|wpe).*");

  private final List<MergeRun.Inputs> tensors = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final Merge merge;
  private String config;

  private SlicePlan(Merge merge) {
    this.merge = merge;
  }

  /** The output tensors in order, each with its inputs. */
  List<MergeRun.Inputs> tensors() {
    return tensors;
  }

  /** The output's config.json text. */
  String config() {
    return config;
  }

  /**
   * @throws MergeException if filters or differing vocabularies are asked for, a source has another
   *     architecture, or the tensors of a slice's sources do not match (listing the first mismatches)
   */
  static SlicePlan of(Merge merge) {
    if (merge.include().isPresent() || merge.exclude().isPresent() || merge.vocabularyFrom().isPresent()) {
      throw new MergeException("slices merge every tensor of the layers they take: include, exclude and "
          + "vocabularyFrom are not supported with them");
    }
    SlicePlan plan = new SlicePlan(merge);
    List<MergeSlice> slices = merge.slices();
    for (MergeSlice s : slices) {
      for (MergeSlice.Source src : s.sources()) {
        if (src.input().checkpoint().config().architecture() != merge.base().config().architecture()) {
          plan.problems.add(Mismatches.architectureMismatch(merge.base(), src.input().checkpoint()));
        }
      }
    }
    Mismatches.fail("cannot " + merge.method().name() + " the slices", plan.problems);
    plan.outside(slices.getFirst(), true);
    int[] source = new int[slices.stream().mapToInt(MergeSlice::length).sum()];
    int j = 0;
    for (MergeSlice s : slices) {
      for (int o = 0; o < s.length(); o++, j++) {
        source[j] = plan.layer(s, o, j);
      }
    }
    plan.outside(slices.getLast(), false);
    Mismatches.fail("cannot " + merge.method().name() + " the slices: their tensors do not match", plan.problems);
    plan.config = plan.config(source);
    return plan;
  }

  /** Adds the tensors before ({@code before}) or after the layers, from {@code slice}'s sources. */
  private void outside(MergeSlice slice, boolean before) {
    Checkpoint first = slice.sources().getFirst().input().checkpoint();
    for (TensorInfo t : first.tensors()) {
      if (!LAYER.matcher(t.name()).matches() && BEFORE.matcher(t.name()).matches() == before) {
        add(t.name(), slice, s -> t.name(), before ? 0 : 1);
      }
    }
  }

  /**
   * Adds output layer {@code j}, offset {@code o} of {@code slice}.
   *
   * @return the layer of the config's checkpoint (the base if it is a source, else the first source)
   *     whose per-layer config entries the output layer takes
   */
  private int layer(MergeSlice slice, int o, int j) {
    MergeSlice.Source first = slice.sources().getFirst();
    double pos = slice.length() > 1 ? (double) o / (slice.length() - 1) : 1;
    String prefix = null;
    for (TensorInfo t : first.input().checkpoint().tensors()) {
      Matcher m = LAYER.matcher(t.name());
      if (m.matches() && Integer.parseInt(m.group(2)) == first.start() + o) {
        prefix = m.group(1);
        String suffix = m.group(3);
        add(prefix + "." + j + "." + suffix, slice, s -> layerName(s, o, suffix), pos);
      }
    }
    if (prefix == null) {
      problems.add(first.input().checkpoint().directory() + " has no tensors of layer " + (first.start() + o));
    }
    MergeSlice.Source configSource = slice.sources().stream().filter(this::isBase).findFirst().orElse(first);
    return configSource.start() + o;
  }

  /** The name of layer {@code start + o}'s {@code suffix} tensor in source {@code s}. */
  private static String layerName(MergeSlice.Source s, int o, String suffix) {
    int layer = s.start() + o;
    for (TensorInfo t : s.input().checkpoint().tensors()) {
      Matcher m = LAYER.matcher(t.name());
      if (m.matches() && Integer.parseInt(m.group(2)) == layer && m.group(3).equals(suffix)) {
        return t.name();
      }
    }
    return "layers." + layer + "." + suffix; // missing: reported with this name
  }

  /** Adds output tensor {@code name} made from each source's tensor {@code sourceName(source)}. */
  private void add(String name, MergeSlice slice, java.util.function.Function<MergeSlice.Source, String> sourceName,
      double pos) {
    BaseRole role = merge.method().declaration().baseRole();
    boolean reference = role == BaseRole.REFERENCE || role == BaseRole.OPTIONAL_REFERENCE;
    TensorInfo expected = null;
    Tensor base = null;
    List<MergeInput> models = new ArrayList<>();
    List<Tensor> views = new ArrayList<>();
    for (MergeSlice.Source s : slice.sources()) {
      Checkpoint c = s.input().checkpoint();
      String from = sourceName.apply(s);
      if (!c.contains(from)) {
        problems.add(c.directory() + " has no tensor " + from + " (for " + name + ")");
        continue;
      }
      Tensor view = RenamedTensor.of(name, c.tensor(from));
      if (expected == null) {
        expected = view.info();
      } else if (!view.shape().equals(expected.shape())) {
        problems.add(Mismatches.shapeMismatch(expected, view.info(), c) + " (" + from + ")");
      }
      if (reference && base == null && isBase(s)) {
        base = view;
      } else {
        models.add(s.input());
        views.add(view);
      }
    }
    if (expected != null && !views.isEmpty()) {
      Tensor target = base != null ? base : views.getFirst();
      tensors.add(new MergeRun.Inputs(expected, target, base, models, views.toArray(Tensor[]::new), pos));
    }
  }

  private boolean isBase(MergeSlice.Source s) {
    Checkpoint c = s.input().checkpoint();
    return c == merge.base() || c.directory().equals(merge.base().directory());
  }

  /** The base's config.json with the layer count and per-layer lists of the layers taken. */
  private String config(int[] source) {
    ObjectMapper json = new ObjectMapper();
    try {
      ObjectNode root = (ObjectNode) json.readTree(merge.base().directory().resolve("config.json").toFile());
      if (root.has("sliding_window_pattern") && !root.has("layer_types")) {
        throw new MergeException(merge.base().directory() + ": its config places sliding-window layers by "
            + "sliding_window_pattern, which slices would shift (a config with layer_types can be sliced)");
      }
      LayerConfigs.remap(root, merge.base().config().numLayers(), source);
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new MergeException("cannot read " + merge.base().directory().resolve("config.json") + ": "
          + e.getMessage(), e);
    }
  }
}
