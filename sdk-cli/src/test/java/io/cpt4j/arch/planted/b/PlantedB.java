package io.cpt4j.arch.planted.b;

/** A planted violation for ArchitectureTest: the other half of a package cycle (b → a → b). */
public final class PlantedB {
  Object back = io.cpt4j.arch.planted.a.PlantedA.class;
}
