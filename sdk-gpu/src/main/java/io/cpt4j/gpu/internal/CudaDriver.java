package io.cpt4j.gpu.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The NVIDIA driver, asked through the CUDA driver API ({@code libcuda.so.1}) with the Foreign
 * Function and Memory API: nothing of PyTorch loads, so a machine without a GPU gets an answer, not a
 * native crash. Every call returns the driver's status code; a non-zero code becomes an error
 * message. Thread-safe (the driver API is).
 */
final class CudaDriver implements GpuProbe {
  /** The file the NVIDIA kernel module creates; its first line names the driver version. */
  static final Path DRIVER_VERSION_FILE = Path.of("/proc/driver/nvidia/version");

  private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
  private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

  private final Optional<String> missing;
  private final Calls calls;

  private CudaDriver(Optional<String> missing, Calls calls) {
    this.missing = missing;
    this.calls = calls;
  }

  /** Looks for the kernel module and the driver library; cheap, loads no CUDA context. */
  static CudaDriver load() {
    if (!Files.isReadable(DRIVER_VERSION_FILE)) {
      return new CudaDriver(Optional.of("no NVIDIA driver: " + DRIVER_VERSION_FILE
          + " does not exist (the nvidia kernel module is not loaded, or this machine or container has no GPU)"), null);
    }
    SymbolLookup lib;
    try {
      lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
    } catch (IllegalArgumentException e) {
      return new CudaDriver(Optional.of("the NVIDIA kernel module is loaded but the driver library libcuda.so.1 "
          + "cannot be loaded (" + e.getMessage() + "): install the NVIDIA driver's user-space libraries "
          + "or add their directory to LD_LIBRARY_PATH"), null);
    }
    try {
      Calls calls = new Calls(lib);
      int rc = (int) calls.init.invokeExact(0);
      if (rc != 0) {
        return new CudaDriver(Optional.of("cuInit failed with CUDA error " + rc + " (" + errorName(rc)
            + "): the driver found no usable GPU"), null);
      }
      return new CudaDriver(Optional.empty(), calls);
    } catch (Throwable t) {
      return new CudaDriver(Optional.of("libcuda.so.1 loaded but the CUDA driver API failed: " + t), null);
    }
  }

  @Override
  public Optional<String> driverProblem() {
    return missing;
  }

  @Override
  public String driverVersion() {
    try {
      String first = Files.readAllLines(DRIVER_VERSION_FILE).stream().findFirst().orElse("");
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kernel Module\\s+(\\S+)").matcher(first);
      return m.find() ? m.group(1) : first.trim();
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  @Override
  public int deviceCount() {
    requireDriver();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
      check((int) calls.deviceGetCount.invokeExact(count), "cuDeviceGetCount");
      return count.get(ValueLayout.JAVA_INT, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public DeviceInfo device(int index) {
    requireDriver();
    try (Arena arena = Arena.ofConfined()) {
      int dev = handle(arena, index);
      MemorySegment name = arena.allocate(256);
      check((int) calls.deviceGetName.invokeExact(name, 256, dev), "cuDeviceGetName");
      MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
      check((int) calls.deviceTotalMem.invokeExact(total, dev), "cuDeviceTotalMem");
      MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
      MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
      check((int) calls.deviceGetAttribute.invokeExact(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
          "cuDeviceGetAttribute");
      check((int) calls.deviceGetAttribute.invokeExact(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
          "cuDeviceGetAttribute");
      return new DeviceInfo(index, name.getString(0), total.get(ValueLayout.JAVA_LONG, 0),
          major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Free memory of the device in bytes, as {@code cuMemGetInfo} reports it inside the device's
   * primary context (the one the CUDA runtime, and so PyTorch, uses): retained, pushed, asked,
   * popped and released, so the caller's thread is left as it was.
   */
  @Override
  public long freeMemory(int index) {
    requireDriver();
    try (Arena arena = Arena.ofConfined()) {
      int dev = handle(arena, index);
      MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
      check((int) calls.primaryCtxRetain.invokeExact(ctx, dev), "cuDevicePrimaryCtxRetain");
      try {
        MemorySegment context = ctx.get(ValueLayout.ADDRESS, 0);
        check((int) calls.ctxPush.invokeExact(context), "cuCtxPushCurrent");
        try {
          MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
          MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
          check((int) calls.memGetInfo.invokeExact(free, total), "cuMemGetInfo");
          return free.get(ValueLayout.JAVA_LONG, 0);
        } finally {
          int ignored = (int) calls.ctxPop.invokeExact(arena.allocate(ValueLayout.ADDRESS));
        }
      } finally {
        int ignored = (int) calls.primaryCtxRelease.invokeExact(dev);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private int handle(Arena arena, int index) throws Throwable {
    MemorySegment dev = arena.allocate(ValueLayout.JAVA_INT);
    check((int) calls.deviceGet.invokeExact(dev, index), "cuDeviceGet(" + index + ")");
    return dev.get(ValueLayout.JAVA_INT, 0);
  }

  private void requireDriver() {
    if (missing.isPresent()) {
      throw new IllegalStateException(missing.get());
    }
  }

  private static void check(int rc, String call) {
    if (rc != 0) {
      throw new IllegalStateException(call + " failed with CUDA error " + rc + " (" + errorName(rc) + ")");
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    return t instanceof RuntimeException r ? r : new IllegalStateException("CUDA driver call failed: " + t, t);
  }

  /** Names of the driver API codes a probe can meet. */
  static String errorName(int rc) {
    return switch (rc) {
      case 1 -> "CUDA_ERROR_INVALID_VALUE";
      case 2 -> "CUDA_ERROR_OUT_OF_MEMORY";
      case 3 -> "CUDA_ERROR_NOT_INITIALIZED";
      case 4 -> "CUDA_ERROR_DEINITIALIZED";
      case 34 -> "CUDA_ERROR_STUB_LIBRARY";
      case 35 -> "CUDA_ERROR_INSUFFICIENT_DRIVER";
      case 46 -> "CUDA_ERROR_DEVICES_UNAVAILABLE";
      case 100 -> "CUDA_ERROR_NO_DEVICE";
      case 101 -> "CUDA_ERROR_INVALID_DEVICE";
      case 201 -> "CUDA_ERROR_INVALID_CONTEXT";
      case 304 -> "CUDA_ERROR_OPERATING_SYSTEM";
      case 999 -> "CUDA_ERROR_UNKNOWN";
      default -> "see cuda.h";
    };
  }

  /** Method handles of the driver functions used. */
  private static final class Calls {
    final MethodHandle init;
    final MethodHandle deviceGetCount;
    final MethodHandle deviceGet;
    final MethodHandle deviceGetName;
    final MethodHandle deviceTotalMem;
    final MethodHandle deviceGetAttribute;
    final MethodHandle primaryCtxRetain;
    final MethodHandle primaryCtxRelease;
    final MethodHandle ctxPush;
    final MethodHandle ctxPop;
    final MethodHandle memGetInfo;

    Calls(SymbolLookup lib) {
      Linker linker = Linker.nativeLinker();
      ValueLayout i = ValueLayout.JAVA_INT;
      ValueLayout p = ValueLayout.ADDRESS;
      init = bind(linker, lib, "cuInit", FunctionDescriptor.of(i, i));
      deviceGetCount = bind(linker, lib, "cuDeviceGetCount", FunctionDescriptor.of(i, p));
      deviceGet = bind(linker, lib, "cuDeviceGet", FunctionDescriptor.of(i, p, i));
      deviceGetName = bind(linker, lib, "cuDeviceGetName", FunctionDescriptor.of(i, p, i, i));
      deviceTotalMem = bind(linker, lib, "cuDeviceTotalMem_v2", FunctionDescriptor.of(i, p, i));
      deviceGetAttribute = bind(linker, lib, "cuDeviceGetAttribute", FunctionDescriptor.of(i, p, i, i));
      primaryCtxRetain = bind(linker, lib, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(i, p, i));
      primaryCtxRelease = bind(linker, lib, "cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(i, i));
      ctxPush = bind(linker, lib, "cuCtxPushCurrent_v2", FunctionDescriptor.of(i, p));
      ctxPop = bind(linker, lib, "cuCtxPopCurrent_v2", FunctionDescriptor.of(i, p));
      memGetInfo = bind(linker, lib, "cuMemGetInfo_v2", FunctionDescriptor.of(i, p, p));
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor d) {
      MemorySegment symbol = lib.find(name)
          .orElseThrow(() -> new IllegalStateException("libcuda.so.1 has no symbol " + name + " (driver too old?)"));
      return linker.downcallHandle(symbol, d);
    }
  }
}
