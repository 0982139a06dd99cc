package io.cpt4j.cli.planted;

import io.cpt4j.checkpoint.internal.HfConfigCodec;

/** A planted violation for ArchitectureTest: CLI code using an implementation class. */
public final class PlantedInternalImport {
  Object codec = HfConfigCodec.class;
}
