package io.cpt4j.arch.planted;

/** A planted violation for ArchitectureTest: a public type outside sdk-api and outside an internal package. */
public final class PlantedPublicType {
  private PlantedPublicType() {}
}
