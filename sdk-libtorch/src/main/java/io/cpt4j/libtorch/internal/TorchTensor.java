package io.cpt4j.libtorch.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One owning reference to a libtorch tensor (an {@code AtenTensorHandle}, which is a heap-allocated
 * {@code at::Tensor}). Closing releases the reference; the storage goes when its last reference
 * does. Not thread-safe.
 */
public final class TorchTensor implements AutoCloseable {
  private final LibTorch torch;
  private MemorySegment handle;

  TorchTensor(LibTorch torch, MemorySegment handle) {
    this.torch = torch;
    this.handle = handle;
  }

  /** A new contiguous CPU float32 tensor holding a copy of {@code values}. */
  public static TorchTensor of(LibTorch torch, float[] values, long... shape) {
    TorchTensor t = empty(torch, torch.float32, shape);
    t.data(4L * values.length).copyFrom(MemorySegment.ofArray(values));
    return t;
  }

  /** A new contiguous CPU int64 tensor holding a copy of {@code values}. */
  public static TorchTensor ofLongs(LibTorch torch, long[] values, long... shape) {
    TorchTensor t = empty(torch, torch.int64, shape);
    t.data(8L * values.length).copyFrom(MemorySegment.ofArray(values));
    return t;
  }

  /** A new contiguous CPU bfloat16 tensor holding {@code bits} (the upper halves of float32 values). */
  public static TorchTensor ofBf16Bits(LibTorch torch, short[] bits, long... shape) {
    TorchTensor t = empty(torch, torch.bfloat16, shape);
    t.data(2L * bits.length).copyFrom(MemorySegment.ofArray(bits));
    return t;
  }

  /**
   * A tensor over {@code memory} without a copy ({@code aoti_torch_create_tensor_from_blob}): torch
   * reads and writes Java-owned off-heap memory, which must outlive the tensor and all its views.
   */
  public static TorchTensor wrap(LibTorch torch, MemorySegment memory, int dtype, long... shape) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.fromBlob.invokeExact(memory, (long) shape.length, longs(arena, shape),
          longs(arena, contiguousStrides(shape)), 0L, dtype, torch.cpu, 0, out), "aoti_torch_create_tensor_from_blob");
      return new TorchTensor(torch, out.get(ValueLayout.ADDRESS, 0));
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** An uninitialised contiguous CPU tensor ({@code aoti_torch_empty_strided}). */
  public static TorchTensor empty(LibTorch torch, int dtype, long... shape) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.emptyStrided.invokeExact((long) shape.length, longs(arena, shape),
          longs(arena, contiguousStrides(shape)), dtype, torch.cpu, 0, out), "aoti_torch_empty_strided");
      return new TorchTensor(torch, out.get(ValueLayout.ADDRESS, 0));
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** The sizes of each dimension. */
  public long[] shape() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment n = arena.allocate(ValueLayout.JAVA_LONG);
      torch.check((int) torch.dim.invokeExact(live(), n), "aoti_torch_get_dim");
      MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.sizes.invokeExact(live(), p), "aoti_torch_get_sizes");
      int rank = (int) n.get(ValueLayout.JAVA_LONG, 0);
      return p.get(ValueLayout.ADDRESS, 0).reinterpret(8L * rank).toArray(ValueLayout.JAVA_LONG);
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** The dtype code ({@code aoti_torch_dtype_*}). */
  public int dtype() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
      torch.check((int) torch.dtype.invokeExact(live(), out), "aoti_torch_get_dtype");
      return out.get(ValueLayout.JAVA_INT, 0);
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** The number of elements. */
  public long numel() {
    return Arrays.stream(shape()).reduce(1, Math::multiplyExact);
  }

  /** The values of a float32 tensor, copied out in row-major order. */
  public float[] floats() {
    requireDtype(torch.float32, "float32");
    return data(4 * numel()).toArray(ValueLayout.JAVA_FLOAT);
  }

  /** The values of a float64 tensor, copied out in row-major order. */
  public double[] doubles() {
    requireDtype(torch.float64, "float64");
    return data(8 * numel()).toArray(ValueLayout.JAVA_DOUBLE);
  }

  /** The raw bits of a bfloat16 tensor, copied out in row-major order. */
  public short[] bf16Bits() {
    requireDtype(torch.bfloat16, "bfloat16");
    return data(2 * numel()).toArray(ValueLayout.JAVA_SHORT);
  }

  /** Marks this tensor as a leaf that autograd tracks ({@code torch_set_requires_grad}). */
  public TorchTensor requiresGrad(boolean requires) {
    try {
      torch.check((int) torch.setRequiresGrad.invokeExact(live(), requires), "torch_set_requires_grad");
      return this;
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** A second owning reference to the same tensor, for a dispatcher stack to consume. */
  MemorySegment newReference() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.newHandle.invokeExact(live(), out), "aoti_torch_new_tensor_handle");
      return out.get(ValueLayout.ADDRESS, 0);
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** The handle itself, for shim functions that borrow rather than consume it. */
  MemorySegment borrowed() {
    return live();
  }

  /** The tensor's memory; the tensor must be contiguous and on the CPU. */
  MemorySegment data(long bytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment flag = arena.allocate(ValueLayout.JAVA_BOOLEAN);
      torch.check((int) torch.isContiguous.invokeExact(live(), flag), "aoti_torch_is_contiguous");
      if (!flag.get(ValueLayout.JAVA_BOOLEAN, 0)) {
        throw new IllegalStateException("tensor of shape " + Arrays.toString(shape())
            + " is not contiguous: call aten::contiguous before reading it");
      }
      MemorySegment p = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.dataPtr.invokeExact(live(), p), "aoti_torch_get_data_ptr");
      return p.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  @Override
  public void close() {
    if (handle == null) {
      return;
    }
    try {
      torch.check((int) torch.deleteTensor.invokeExact(handle), "aoti_torch_delete_tensor_object");
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    } finally {
      handle = null;
    }
  }

  private MemorySegment live() {
    if (handle == null) {
      throw new IllegalStateException("tensor already closed");
    }
    return handle;
  }

  private void requireDtype(int code, String name) {
    int actual = dtype();
    if (actual != code) {
      throw new IllegalStateException("tensor has dtype code " + actual + ", not " + name + " (" + code + ")");
    }
  }

  static long[] contiguousStrides(long[] shape) {
    long[] strides = new long[shape.length];
    long s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    return strides;
  }

  private static MemorySegment longs(Arena arena, long[] values) {
    return values.length == 0 ? arena.allocate(8) : arena.allocateFrom(ValueLayout.JAVA_LONG, values);
  }
}
