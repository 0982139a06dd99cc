package io.cpt4j.onnx;

import io.cpt4j.Cpt4jException;

/**
 * ONNX export or ONNX Runtime inference failed: the checkpoint cannot be exported as asked (an
 * unsupported option, an existing output directory), an exported directory is incomplete or was not
 * written by cpt4j, inputs do not fit the model (ids outside the vocabulary, mismatched shapes), or
 * ONNX Runtime itself reported an error (its message is included).
 */
public class OnnxException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public OnnxException(String message) {
    super(message);
  }

  public OnnxException(String message, Throwable cause) {
    super(message, cause);
  }
}
