package io.gpen.util;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work handed to another thread. */
public final class Futures {
  private Futures() {}

  /**
   * The result of {@code f} once it is done, its failure rethrown as the work threw it: an
   * unchecked exception or error as it is, a checked one inside an {@link IllegalStateException}.
   *
   * @throws InterruptedException when this thread is interrupted while waiting
   */
  public static <T> T get(Future<T> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }
}
