package io.gpen;

/**
 * An error the user can act on: bad input, a missing or mismatched file, an unwritable output.
 *
 * <p>The message is a single line that names the file (or option) and the problem; the command line
 * prints it without a stack trace and exits with a non-zero code.
 */
public class GpenException extends RuntimeException {
  public GpenException(String message) {
    super(message);
  }

  public GpenException(String message, Throwable cause) {
    super(message, cause);
  }
}
