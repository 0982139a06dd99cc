package io.cpt4j.merge.internal.engine;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.MergeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The up-front agreement checks of derived checkpoints, with errors that list the first mismatches:
 * {@link #agree} for task vectors and grafting, and the messages and the listing that the merge's
 * own check (vocabulary-aware) and the other checks share. Stateless.
 */
public final class Mismatches {
  /** Mismatches listed in an error before it says "and N more". */
  public static final int LISTED_MISMATCHES = 5;

  private Mismatches() {}

  /**
   * {@code other} must have {@code base}'s architecture and exactly its tensor names, shapes and
   * float-ness.
   *
   * @param action what is refused, e.g. "take the task vector"
   * @throws MergeException listing the first mismatches
   */
  public static void agree(String action, Checkpoint base, Checkpoint other) {
    List<String> problems = new ArrayList<>();
    if (other.config().architecture() != base.config().architecture()) {
      problems.add(architectureMismatch(base, other));
    } else {
      Map<String, TensorInfo> expected = byName(base.tensors());
      Map<String, TensorInfo> found = byName(other.tensors());
      for (TensorInfo t : expected.values()) {
        TensorInfo f = found.get(t.name());
        if (f == null) {
          problems.add(missing(t, other));
        } else if (!f.shape().equals(t.shape())) {
          problems.add(shapeMismatch(t, f, other));
        } else if (f.dtype().isFloatingPoint() != t.dtype().isFloatingPoint()) {
          problems.add(dtypeMismatch(t, f, other));
        }
      }
      addExtraTensors(expected, found, other, problems);
    }
    fail("cannot " + action + ": the checkpoints do not match", problems);
  }

  // The mismatch messages, shared with the merge's InputCheck.

  public static String architectureMismatch(Checkpoint base, Checkpoint other) {
    return other.directory() + " is " + other.config().architecture() + ", the base " + base.directory() + " is "
        + base.config().architecture();
  }

  public static String missing(TensorInfo t, Checkpoint other) {
    return other.directory() + " has no tensor " + t.name();
  }

  public static String shapeMismatch(TensorInfo t, TensorInfo f, Checkpoint other) {
    return t.name() + " has shape " + f.shape() + " in " + other.directory() + ", " + t.shape() + " in the base";
  }

  public static String dtypeMismatch(TensorInfo t, TensorInfo f, Checkpoint other) {
    return t.name() + " is " + f.dtype() + " in " + other.directory() + ", " + t.dtype() + " in the base";
  }

  /** Adds a problem for each tensor of {@code found} (from {@code other}) that {@code expected} lacks. */
  public static void addExtraTensors(Map<String, TensorInfo> expected, Map<String, TensorInfo> found, Checkpoint other,
      List<String> problems) {
    for (String name : found.keySet()) {
      if (!expected.containsKey(name)) {
        problems.add(other.directory() + " has tensor " + name + ", which the base lacks");
      }
    }
  }

  /**
   * Throws a {@link MergeException} "{@code what} (N mismatches): p1; p2; …; and M more" unless
   * {@code problems} is empty.
   */
  public static void fail(String what, List<String> problems) {
    if (problems.isEmpty()) {
      return;
    }
    int listed = LISTED_MISMATCHES;
    StringBuilder msg = new StringBuilder(what + " (" + problems.size() + " mismatch"
        + (problems.size() == 1 ? "" : "es") + "): ");
    msg.append(String.join("; ", problems.subList(0, Math.min(listed, problems.size()))));
    if (problems.size() > listed) {
      msg.append("; and ").append(problems.size() - listed).append(" more");
    }
    throw new MergeException(msg.toString());
  }

  public static Map<String, TensorInfo> byName(List<TensorInfo> tensors) {
    Map<String, TensorInfo> m = new LinkedHashMap<>();
    for (TensorInfo t : tensors) {
      m.put(t.name(), t);
    }
    return m;
  }
}
