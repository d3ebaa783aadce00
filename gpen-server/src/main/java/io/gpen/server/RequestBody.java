package io.gpen.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * A request's body, chunk by chunk, waiting for each chunk until a deadline at most. Unlike an
 * input stream over the request, a wait that gives up leaves the request readable, so that the rest
 * of its body can still be dropped before the answer. There is one per request (kept as one of its
 * attributes): Jetty allows one demand for more body at a time, and a wait that gave up leaves its
 * demand pending for the next wait to take over.
 */
final class RequestBody {
  private static final String ATTRIBUTE = RequestBody.class.getName();

  private final Request request;

  /** Counted down by Jetty when more body has arrived; null where no demand is pending. */
  private CountDownLatch more;

  private RequestBody(Request request) {
    this.request = request;
  }

  /** The body of {@code request}, read on from where the last reader stopped. */
  static RequestBody of(Request request) {
    if (request.getAttribute(ATTRIBUTE) instanceof RequestBody body) {
      return body;
    }
    RequestBody body = new RequestBody(request);
    request.setAttribute(ATTRIBUTE, body);
    return body;
  }

  /**
   * The next chunk (which the caller releases), waiting for it until {@code until} ({@link
   * System#nanoTime()}); null where none came by then, or the thread was interrupted.
   */
  Content.Chunk next(long until) {
    while (true) {
      if (more == null) {
        Content.Chunk chunk = request.read();
        if (chunk != null) {
          return chunk;
        }
        more = new CountDownLatch(1);
        request.demand(more::countDown);
      }
      try {
        long wait = until - System.nanoTime();
        if (wait <= 0 || !more.await(wait, TimeUnit.NANOSECONDS)) {
          return null;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      more = null;
    }
  }
}
