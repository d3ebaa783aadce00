package io.gpen.server;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Room for the pixels of the images being worked on at once, handed out first come, first served:
 * it bounds the native memory of decoding, detection and paste-back whatever the mix of image
 * sizes. An image larger than the whole budget waits until nothing else is at work, then runs
 * alone.
 */
final class PixelBudget {
  private final long capacity;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private long used;

  PixelBudget(long capacity) {
    this.capacity = capacity;
  }

  /**
   * Waits for room for {@code pixels}; returns what to hand back to {@link #release}.
   *
   * @param deadline {@link System#nanoTime()} after which it gives up
   * @throws ApiError 503 when the deadline passes first
   */
  synchronized long acquire(long pixels, long deadline) {
    long want = Math.min(Math.max(pixels, 1), capacity);
    Object ticket = new Object();
    waiting.addLast(ticket);
    try {
      while (waiting.peekFirst() != ticket || used + want > capacity) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw ApiError.unavailable("timed out waiting for memory to decode the image", 1);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      used += want;
      return want;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiError.unavailable("interrupted while waiting for memory", 1);
    } finally {
      waiting.remove(ticket);
      notifyAll();
    }
  }

  synchronized void release(long granted) {
    used -= granted;
    notifyAll();
  }

  synchronized long used() {
    return used;
  }
}
