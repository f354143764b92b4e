package io.elasticast.inference;

/** The model directory, its config or its ONNX file is not what the serving contract expects. */
public class InvalidModelException extends RuntimeException {

  public InvalidModelException(String message) {
    super(message);
  }

  public InvalidModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
