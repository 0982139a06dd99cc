package io.cpt4j.libtorch.internal;

import io.cpt4j.backend.BackendException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A libtorch found on this machine (a pip wheel's {@code torch/lib} or an unpacked libtorch zip),
 * bound through its stable C ABI ({@code torch/csrc/inductor/aoti_torch/c/shim.h} and
 * {@code torch/csrc/stable/c/shim.h}) with the Foreign Function and Memory API. Only
 * {@code extern "C"} functions are bound, so nothing here depends on the C++ ABI of one torch
 * version. Every shim call returns an error code; a non-zero code becomes a {@link BackendException}
 * carrying torch's message (2.13+ keeps it per thread).
 *
 * <p>Grad mode is thread-local in torch and FFM calls run on the calling thread: a training step
 * must stay on one thread. Thread-safe otherwise (the method handles are immutable).
 */
public final class LibTorch {
  /** The environment variable or system property naming a directory that holds libtorch. */
  public static final String LOCATION = "CPT4J_LIBTORCH";

  /** {@code TORCH_VERSION_2_13_0}: the stable-ABI version this binding was written against. */
  static final long WRITTEN_AGAINST = (2L << 56) | (13L << 48);

  private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
  private static final ValueLayout.OfBoolean BOOL = ValueLayout.JAVA_BOOLEAN;
  private static final ValueLayout ADDR = ValueLayout.ADDRESS;

  private final Path library;
  private final long abiVersion;
  final int float32;
  final int float64;
  final int bfloat16;
  final int float16;
  final int int64;
  final int bool;
  final int cpu;

  final MethodHandle callDispatcher;
  final MethodHandle emptyStrided;
  final MethodHandle fromBlob;
  final MethodHandle newHandle;
  final MethodHandle deleteTensor;
  final MethodHandle dataPtr;
  final MethodHandle dim;
  final MethodHandle sizes;
  final MethodHandle dtype;
  final MethodHandle isContiguous;
  final MethodHandle setRequiresGrad;
  final MethodHandle gradModeEnabled;
  final MethodHandle setGradMode;
  final MethodHandle newListReserve;
  final MethodHandle listPushBack;
  final MethodHandle newStableIValue;
  final MethodHandle deleteStableIValue;
  final MethodHandle subtract;
  private final Optional<MethodHandle> lastError;

  private LibTorch(Path library, SymbolLookup lookup) {
    this.library = library;
    Symbols s = new Symbols(lookup);
    MethodHandle version = s.get("aoti_torch_abi_version", FunctionDescriptor.of(I64));
    MethodHandle[] codes = Stream.of("dtype_float32", "dtype_float64", "dtype_bfloat16", "dtype_float16",
        "dtype_int64", "dtype_bool", "device_type_cpu").map(n -> s.get("aoti_torch_" + n, FunctionDescriptor.of(I32)))
        .toArray(MethodHandle[]::new);
    callDispatcher = s.get("torch_call_dispatcher", FunctionDescriptor.of(I32, ADDR, ADDR, ADDR, I64));
    emptyStrided = s.get("aoti_torch_empty_strided", FunctionDescriptor.of(I32, I64, ADDR, ADDR, I32, I32, I32, ADDR));
    fromBlob = s.get("aoti_torch_create_tensor_from_blob",
        FunctionDescriptor.of(I32, ADDR, I64, ADDR, ADDR, I64, I32, I32, I32, ADDR));
    newHandle = s.get("aoti_torch_new_tensor_handle", FunctionDescriptor.of(I32, ADDR, ADDR));
    deleteTensor = s.get("aoti_torch_delete_tensor_object", FunctionDescriptor.of(I32, ADDR));
    dataPtr = s.get("aoti_torch_get_data_ptr", FunctionDescriptor.of(I32, ADDR, ADDR));
    dim = s.get("aoti_torch_get_dim", FunctionDescriptor.of(I32, ADDR, ADDR));
    sizes = s.get("aoti_torch_get_sizes", FunctionDescriptor.of(I32, ADDR, ADDR));
    dtype = s.get("aoti_torch_get_dtype", FunctionDescriptor.of(I32, ADDR, ADDR));
    isContiguous = s.get("aoti_torch_is_contiguous", FunctionDescriptor.of(I32, ADDR, ADDR));
    setRequiresGrad = s.get("torch_set_requires_grad", FunctionDescriptor.of(I32, ADDR, BOOL));
    gradModeEnabled = s.get("aoti_torch_grad_mode_is_enabled", FunctionDescriptor.of(BOOL));
    setGradMode = s.get("aoti_torch_grad_mode_set_enabled", FunctionDescriptor.ofVoid(BOOL));
    newListReserve = s.get("torch_new_list_reserve_size", FunctionDescriptor.of(I32, I64, ADDR));
    listPushBack = s.get("torch_list_push_back", FunctionDescriptor.of(I32, ADDR, I64));
    newStableIValue = s.get("torch_new_stable_ivalue", FunctionDescriptor.of(I32, ADDR));
    deleteStableIValue = s.get("torch_delete_stable_ivalue", FunctionDescriptor.of(I32, ADDR));
    subtract = s.get("aoti_torch_aten_subtract_Tensor",
        FunctionDescriptor.of(I32, ADDR, ADDR, ValueLayout.JAVA_DOUBLE, ADDR));
    lastError = s.find("torch_exception_get_what_without_backtrace", FunctionDescriptor.of(ADDR));
    if (!s.missing.isEmpty()) {
      throw new BackendException("libtorch at " + library + " lacks " + String.join(", ", s.missing)
          + ": the libtorch backend needs torch 2.13 or later" + otherLibtorch(library.getParent()));
    }
    try {
      abiVersion = (long) version.invokeExact();
      float32 = (int) codes[0].invokeExact();
      float64 = (int) codes[1].invokeExact();
      bfloat16 = (int) codes[2].invokeExact();
      float16 = (int) codes[3].invokeExact();
      int64 = (int) codes[4].invokeExact();
      bool = (int) codes[5].invokeExact();
      cpu = (int) codes[6].invokeExact();
    } catch (Throwable t) {
      throw new BackendException("libtorch at " + library + " failed while reporting its dtype codes: " + t, t);
    }
  }

  /**
   * Another libtorch already in this process (DJL's, say) shadows the one asked for: the dynamic
   * linker resolves {@code libtorch_cpu.so} and {@code libc10.so} by soname to the first loaded.
   */
  private static String otherLibtorch(Path dir) {
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      return maps.map(line -> line.substring(line.lastIndexOf(' ') + 1))
          .filter(f -> f.endsWith("/libtorch_cpu.so") || f.endsWith("/libc10.so"))
          .filter(f -> !Path.of(f).getParent().equals(dir))
          .findFirst()
          .map(f -> " (this process already holds " + f + ", and the dynamic linker binds the new library's "
              + "dependencies to it by soname: load the libtorch backend in a process without DJL's PyTorch)")
          .orElse("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /**
   * Loads libtorch from the directory named by {@value #LOCATION} (system property first, then the
   * environment), or empty when neither names one.
   */
  public static Optional<LibTorch> fromEnvironment() {
    String dir = System.getProperty(LOCATION, System.getenv(LOCATION));
    return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(load(Path.of(dir)));
  }

  /**
   * Loads {@code libtorch.so} (or {@code libtorch_cpu.so}) from {@code dir}; its dependencies
   * ({@code libc10.so}, and {@code libtorch_cuda.so} in CUDA builds) resolve through the library's
   * own {@code $ORIGIN} run path. The library stays loaded for the life of the JVM.
   */
  public static LibTorch load(Path dir) {
    Path lib = Files.exists(dir.resolve("libtorch.so")) ? dir.resolve("libtorch.so") : dir.resolve("libtorch_cpu.so");
    if (!Files.isRegularFile(lib)) {
      throw new BackendException("no libtorch in " + dir + ": neither libtorch.so nor libtorch_cpu.so exists there "
          + "(point " + LOCATION + " at a torch wheel's torch/lib directory)");
    }
    try {
      return new LibTorch(lib, SymbolLookup.libraryLookup(lib, Arena.global()));
    } catch (IllegalArgumentException e) {
      throw new BackendException("cannot load " + lib + ": " + e.getMessage(), e);
    }
  }

  /** The loaded library file. */
  public Path library() {
    return library;
  }

  /** What {@code aoti_torch_abi_version()} reports, as major.minor.patch. */
  public String version() {
    return versionString(abiVersion);
  }

  /** Whether autograd records the ops called on this thread. */
  public boolean gradMode() {
    try {
      return (boolean) gradModeEnabled.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Turns autograd recording on or off for this thread; returns the previous setting. */
  public boolean gradMode(boolean enabled) {
    boolean before = gradMode();
    try {
      setGradMode.invokeExact(enabled);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    return before;
  }

  /** Throws with torch's message when a shim call returned a non-zero code. */
  void check(int rc, String what) {
    if (rc == 0) {
      return;
    }
    String message = "error code " + rc;
    if (lastError.isPresent()) {
      try {
        MemorySegment text = (MemorySegment) lastError.get().invokeExact();
        if (!text.equals(MemorySegment.NULL)) {
          message = text.reinterpret(Long.MAX_VALUE).getString(0).strip();
        }
      } catch (Throwable ignored) {
        // keep the code
      }
    }
    throw new BackendException(what + " failed in libtorch " + version() + ": " + message);
  }

  static RuntimeException rethrow(Throwable t) {
    return t instanceof RuntimeException r ? r : new BackendException("libtorch call failed: " + t, t);
  }

  private static String versionString(long v) {
    return (v >>> 56) + "." + ((v >>> 48) & 0xff) + "." + ((v >>> 40) & 0xff);
  }

  /** Binds functions by name and remembers which ones the library lacks. */
  private static final class Symbols {
    private final SymbolLookup lookup;
    private final List<String> missing = new ArrayList<>();

    Symbols(SymbolLookup lookup) {
      this.lookup = lookup;
    }

    Optional<MethodHandle> find(String name, FunctionDescriptor descriptor) {
      return lookup.find(name).map(address -> Linker.nativeLinker().downcallHandle(address, descriptor));
    }

    MethodHandle get(String name, FunctionDescriptor descriptor) {
      Optional<MethodHandle> handle = find(name, descriptor);
      if (handle.isEmpty()) {
        missing.add(name);
      }
      return handle.orElse(null);
    }
  }
}
