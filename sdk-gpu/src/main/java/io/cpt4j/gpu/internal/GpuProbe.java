package io.cpt4j.gpu.internal;

import java.util.Optional;

/** What the NVIDIA driver says about this machine; {@link CudaDriver} asks the real one, tests fake it. */
interface GpuProbe {

  /** Empty if the driver is usable, else what is missing (kernel module, libcuda, cuInit). */
  Optional<String> driverProblem();

  /** The kernel module's version, e.g. "550.54.15", or "unknown". */
  String driverVersion();

  /** CUDA devices the driver sees; only called when {@link #driverProblem()} is empty. */
  int deviceCount();

  /** Name, memory and compute capability of device {@code index}. */
  DeviceInfo device(int index);

  /** Free bytes on device {@code index} now. */
  long freeMemory(int index);

  /**
   * One CUDA device.
   *
   * @param index the CUDA ordinal
   * @param name e.g. "NVIDIA H100 80GB HBM3"
   * @param totalMemory bytes
   * @param major compute capability, major
   * @param minor compute capability, minor
   */
  record DeviceInfo(int index, String name, long totalMemory, int major, int minor) {
    /** e.g. "cuda:0 NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)". */
    String describe() {
      return "cuda:" + index + " " + name + " (sm_" + major + minor + ", "
          + io.cpt4j.backend.MemoryPlan.bytes(totalMemory) + ")";
    }
  }
}
