package io.cpt4j.arch.planted.a;

import io.cpt4j.arch.planted.b.PlantedB;

/** A planted violation for ArchitectureTest: half of a package cycle (a → b → a). */
public final class PlantedA {
  PlantedB other;
}
