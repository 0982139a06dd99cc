package io.cpt4j.checkpoint;

import java.util.Locale;
import java.util.Optional;

/**
 * Element types of safetensors tensors, named as in the safetensors header. Floating-point types
 * can be read as {@code float} (F16 and BF16 widen exactly); integer and boolean types are readable
 * as raw little-endian bytes.
 */
public enum DType {
  F64(8, true, "float64"),
  F32(4, true, "float32"),
  F16(2, true, "float16"),
  BF16(2, true, "bfloat16"),
  I64(8, false, "int64"),
  I32(4, false, "int32"),
  I16(2, false, "int16"),
  I8(1, false, "int8"),
  U8(1, false, "uint8"),
  BOOL(1, false, "bool");

  private final int byteSize;
  private final boolean floatingPoint;
  private final String torchName;

  DType(int byteSize, boolean floatingPoint, String torchName) {
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
    this.torchName = torchName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements can be read as {@code float}. */
  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** The name Hugging Face uses for {@code torch_dtype} in {@code config.json}, e.g. "bfloat16". */
  public String torchName() {
    return torchName;
  }

  /** The dtype with this safetensors header name (exact, e.g. "BF16"), if there is one. */
  public static Optional<DType> fromHeaderName(String name) {
    for (DType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * Parses a user-supplied name: "f32", "float32", "fp16", "bf16", "bfloat16" … (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static DType parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (DType t : values()) {
      if (t.name().toLowerCase(Locale.ROOT).equals(n) || t.torchName.equals(n)) {
        return t;
      }
    }
    return switch (n) {
      case "fp32", "float" -> F32;
      case "fp16", "half" -> F16;
      case "fp64", "double" -> F64;
      default ->
          throw new IllegalArgumentException(
              "unknown dtype '" + name + "' (expected f32, f16 or bf16, or another safetensors dtype)");
    };
  }
}
