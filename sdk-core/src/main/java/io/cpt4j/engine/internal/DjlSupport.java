package io.cpt4j.engine.internal;

/** DJL settings that must be in place before any DJL class initialises. */
public final class DjlSupport {
  private DjlSupport() {}

  /**
   * Sets {@code ai.djl.offline=true} unless the user chose otherwise: without it DJL probes the
   * network (cloud metadata, native downloads).
   */
  public static void offline() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }
}
