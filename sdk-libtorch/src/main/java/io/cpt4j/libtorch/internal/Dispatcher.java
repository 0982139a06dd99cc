package io.cpt4j.libtorch.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Calls any registered operator by name and overload through {@code torch_call_dispatcher}, which
 * boxes a stack of 64-bit {@code StableIValue}s into {@code c10::IValue}s and runs
 * {@code op.callBoxed}: the full dispatcher, autograd included. The stack must hold every argument
 * of the schema (defaults are not filled in), encoded as {@code torch/csrc/stable/stableivalue_conversions.h}
 * does:
 *
 * <ul>
 *   <li>{@link TorchTensor}: a new owning handle, which the callee consumes;
 *   <li>{@code int}/{@code SymInt} ({@link Long} or {@link Integer}): the value; {@code float}
 *       ({@link Double}): its IEEE bits; {@code bool}: 0 or 1; {@code ScalarType} ({@link Dtype}):
 *       the {@code aoti_torch_dtype_*} code;
 *   <li>{@code T?}: {@code null} for None, else ({@link Some}) a pointer to a heap cell from
 *       {@code torch_new_stable_ivalue} holding the value, freed by the callee;
 *   <li>{@code Tensor[]} ({@code List<TorchTensor>}) and {@code int[]} ({@code long[]}): a list
 *       handle from {@code torch_new_list_reserve_size}, consumed by the callee.
 * </ul>
 *
 * <p>{@code Scalar}, {@code Scalar?} and {@code Dict} have no stable encoding: an op whose schema
 * has one (for example {@code aten::add.Tensor}'s {@code alpha}) cannot be called this way; for
 * addition, {@link #subtract} binds the stable shim {@code aoti_torch_aten_subtract_Tensor}. Returns
 * replace the stack from slot 0 on; each returned tensor is a new owning handle the caller must
 * take with {@link Result#tensor}. Stateless; as thread-safe as the ops called.
 */
public final class Dispatcher {
  /** Enough slots for any aten return list (the flash-attention ops return nine). */
  private static final int MIN_SLOTS = 16;

  private Dispatcher() {}

  /** A value for an optional ({@code T?}) parameter that is not None. */
  public record Some(Object value) {}

  /** A {@code ScalarType} argument, by its {@code aoti_torch_dtype_*} code. */
  public record Dtype(int code) {}

  /** Calls {@code name} (for example {@code "aten::matmul"}) with overload {@code ""} or a name. */
  public static Result call(LibTorch torch, String name, String overload, Object... args) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment stack = arena.allocate(ValueLayout.JAVA_LONG, Math.max(args.length, MIN_SLOTS));
      for (int i = 0; i < args.length; i++) {
        stack.setAtIndex(ValueLayout.JAVA_LONG, i, encode(torch, args[i]));
      }
      int rc = (int) torch.callDispatcher.invokeExact(arena.allocateFrom(name), arena.allocateFrom(overload), stack,
          LibTorch.WRITTEN_AGAINST);
      torch.check(rc, name + (overload.isEmpty() ? "" : "." + overload));
      return new Result(torch, stack.asSlice(0, 8L * MIN_SLOTS).toArray(ValueLayout.JAVA_LONG));
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  /** Shorthand for an op with one tensor return. */
  public static TorchTensor tensor(LibTorch torch, String name, String overload, Object... args) {
    return call(torch, name, overload, args).tensor(0);
  }

  /**
   * {@code self - alpha * other} through {@code aoti_torch_aten_subtract_Tensor} (stable since
   * 2.10), which takes {@code alpha} as a double; {@code alpha = -1} adds. Recorded by autograd.
   */
  public static TorchTensor subtract(LibTorch torch, TorchTensor self, TorchTensor other, double alpha) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.subtract.invokeExact(self.borrowed(), other.borrowed(), alpha, out),
          "aoti_torch_aten_subtract_Tensor");
      return new TorchTensor(torch, out.get(ValueLayout.ADDRESS, 0));
    } catch (Throwable t) {
      throw LibTorch.rethrow(t);
    }
  }

  private static long encode(LibTorch torch, Object arg) throws Throwable {
    return switch (arg) {
      case null -> 0L;
      case TorchTensor t -> t.newReference().address();
      case Long v -> v;
      case Integer v -> v.longValue();
      case Double v -> Double.doubleToRawLongBits(v);
      case Boolean v -> v ? 1L : 0L;
      case Dtype d -> Integer.toUnsignedLong(d.code());
      case Some(Object inner) -> heapCell(torch, encode(torch, inner));
      case long[] ints -> {
        MemorySegment list = newList(torch, ints.length);
        for (long v : ints) {
          torch.check((int) torch.listPushBack.invokeExact(list, v), "torch_list_push_back");
        }
        yield list.address();
      }
      case List<?> tensors -> {
        MemorySegment list = newList(torch, tensors.size());
        for (Object t : tensors) {
          torch.check((int) torch.listPushBack.invokeExact(list, encode(torch, (TorchTensor) t)), "torch_list_push_back");
        }
        yield list.address();
      }
      default -> throw new IllegalArgumentException("no StableIValue encoding for " + arg.getClass().getName());
    };
  }

  private static long heapCell(LibTorch torch, long value) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.newStableIValue.invokeExact(out), "torch_new_stable_ivalue");
      MemorySegment cell = out.get(ValueLayout.ADDRESS, 0).reinterpret(8);
      cell.set(ValueLayout.JAVA_LONG, 0, value);
      return cell.address();
    }
  }

  private static MemorySegment newList(LibTorch torch, int size) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      torch.check((int) torch.newListReserve.invokeExact((long) size, out), "torch_new_list_reserve_size");
      return out.get(ValueLayout.ADDRESS, 0);
    }
  }

  /** The stack after a call: slot {@code i} holds return {@code i}. */
  public record Result(LibTorch torch, long[] slots) {
    /** Return {@code i} as a tensor the caller now owns. */
    public TorchTensor tensor(int i) {
      if (slots[i] == 0) {
        throw new IllegalStateException("return " + i + " is not a defined tensor");
      }
      return new TorchTensor(torch, MemorySegment.ofAddress(slots[i]));
    }

    /**
     * Return {@code i} of type {@code Tensor?} as a tensor the caller now owns, or null for None; the
     * heap cell that carried it is freed.
     */
    public TorchTensor optionalTensor(int i) {
      if (slots[i] == 0) {
        return null;
      }
      MemorySegment cell = MemorySegment.ofAddress(slots[i]).reinterpret(8);
      long handle = cell.get(ValueLayout.JAVA_LONG, 0);
      try {
        torch.check((int) torch.deleteStableIValue.invokeExact(cell), "torch_delete_stable_ivalue");
      } catch (Throwable t) {
        throw LibTorch.rethrow(t);
      }
      return new TorchTensor(torch, MemorySegment.ofAddress(handle));
    }

    /** Return {@code i} of type {@code bool}. */
    public boolean bool(int i) {
      return (slots[i] & 0xff) != 0;
    }

    /** Return {@code i} of type {@code int}. */
    public long integer(int i) {
      return slots[i];
    }
  }
}
