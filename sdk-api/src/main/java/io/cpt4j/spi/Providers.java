package io.cpt4j.spi;

import io.cpt4j.Cpt4jException;
import java.util.ServiceLoader;

/** Finds the registered {@link FormatProvider}. Thread-safe; looks it up once. */
public final class Providers {
  private Providers() {}

  private static final class Holder {
    static final FormatProvider FORMAT = load();

    private static FormatProvider load() {
      return ServiceLoader.load(FormatProvider.class, Providers.class.getClassLoader())
          .findFirst()
          .or(() -> ServiceLoader.load(FormatProvider.class).findFirst())
          .orElse(null);
    }
  }

  /**
   * The implementation from {@code sdk-core}.
   *
   * @throws Cpt4jException if sdk-core is not on the class path
   */
  public static FormatProvider format() {
    FormatProvider p = Holder.FORMAT;
    if (p == null) {
      throw new Cpt4jException(
          "no checkpoint implementation found: add the io.cpt4j:sdk-core dependency next to sdk-api");
    }
    return p;
  }
}
