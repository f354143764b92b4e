package io.elasticast.ingest;

/** A user-facing problem with one audio source; the message names the cause, not a stack. */
public final class SourceException extends Exception {

  public SourceException(String message) {
    super(message);
  }

  public SourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
