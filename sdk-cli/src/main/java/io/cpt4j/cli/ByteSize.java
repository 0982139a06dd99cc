package io.cpt4j.cli;

import io.cpt4j.checkpoint.ByteSizes;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A flag's byte size ({@link ByteSizes#parse}): "2GB", "1.5 GiB", "500mb", "1048576". */
final class ByteSize implements ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    try {
      return ByteSizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
