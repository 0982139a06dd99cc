package io.cpt4j.train;

/**
 * A schedule with a short name usable in a run directory's name, such as the presets of {@link
 * Rewarm#seedGrid}. Immutable and thread-safe.
 *
 * @param name non-blank, letters, digits, '.', '-' and '_' only
 * @param schedule the schedule
 */
public record NamedSchedule(String name, LrSchedule schedule) {
  public NamedSchedule {
    if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "name must be non-blank letters, digits, '.', '-' or '_', got " + (name == null ? "null" : "'" + name + "'"));
    }
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must not be null");
    }
  }
}
