package io.cpt4j.merge.internal.methods;

import java.nio.charset.StandardCharsets;

/**
 * The seeded random drop pattern of DARE: a counter-based generator (SplitMix64 finalizer), so
 * whether element {@code i} of a model's task vector is kept depends only on the seed, the tensor
 * name, the model's position and {@code i} — not on chunking, threads or the order tensors are
 * visited. Stateless and thread-safe.
 */
final class DropPattern {
  private DropPattern() {}

  /** The key of one model's drop pattern in one tensor. */
  static long key(long seed, String tensorName, int modelIndex) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 name: stable across JVMs
    for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return mix(mix(seed) ^ mix(h) ^ mix(0x9E3779B97F4A7C15L * (modelIndex + 1)));
  }

  /** A uniform double in [0, 1) for element {@code i}. */
  static double uniform(long key, long i) {
    return (mix(key + 0x9E3779B97F4A7C15L * (i + 1)) >>> 11) * 0x1.0p-53;
  }

  static boolean keeps(long key, long i, double density) {
    return uniform(key, i) < density;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
