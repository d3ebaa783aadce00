package io.gpen.server;

/**
 * A request that is answered with an error status and a one-line JSON body {@code {"error": ...,
 * "status": ...}}: bad input (400), a body too large (413), no room or no time (503, with {@code
 * Retry-After}).
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final int retryAfterSeconds;

  ApiError(int status, String message) {
    this(status, message, 0);
  }

  ApiError(int status, String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  static ApiError unavailable(String message, int retryAfterSeconds) {
    return new ApiError(503, message, retryAfterSeconds);
  }

  int status() {
    return status;
  }

  /** Seconds for {@code Retry-After}, or 0 for none. */
  int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
