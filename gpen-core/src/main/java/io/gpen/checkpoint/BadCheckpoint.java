package io.gpen.checkpoint;

/**
 * A problem found inside a checkpoint file, described without the file name; the public entry
 * points turn it into a {@link io.gpen.GpenException} that names the file.
 */
final class BadCheckpoint extends RuntimeException {
  BadCheckpoint(String message) {
    super(message);
  }

  BadCheckpoint(String message, Throwable cause) {
    super(message, cause);
  }
}
