package io.cpt4j.cli;

import io.cpt4j.checkpoint.DType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --dtype}: a floating-point dtype by any name {@link DType#parse} knows (f32, fp16, bfloat16 …). */
final class FloatDTypeConverter implements ITypeConverter<DType> {
  @Override
  public DType convert(String value) {
    DType t;
    try {
      t = DType.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("unknown dtype '" + value + "' (expected f32, f16 or bf16)");
    }
    if (!t.isFloatingPoint()) {
      throw new TypeConversionException(
          "dtype '" + value + "' is not a floating-point type (expected f32, f16 or bf16)");
    }
    return t;
  }
}
