package io.gpen.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link Futures#get} gives the work's result, or its failure as the work threw it. */
class FuturesTest {
  @Test
  void theResultOrTheFailureAsThrown() throws Exception {
    assertEquals("done", Futures.get(CompletableFuture.completedFuture("done")));

    IllegalArgumentException unchecked = new IllegalArgumentException("bad photo");
    assertSame(
        unchecked,
        assertThrows(
            IllegalArgumentException.class,
            () -> Futures.get(CompletableFuture.failedFuture(unchecked))));

    OutOfMemoryError error = new OutOfMemoryError("native");
    assertSame(
        error,
        assertThrows(
            OutOfMemoryError.class, () -> Futures.get(CompletableFuture.failedFuture(error))));

    IOException checked = new IOException("disk");
    assertSame(
        checked,
        assertThrows(
                IllegalStateException.class,
                () -> Futures.get(CompletableFuture.failedFuture(checked)))
            .getCause());
  }
}
