package io.gpen.workflow;

import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.util.Futures;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads a folder's photos and detects their faces one photo ahead of the restoration: while photo i
 * is restored, photo i + 1 is decoded and searched on a thread of its own, so that decoding and
 * detection overlap the GPEN passes. At most one photo is held ahead.
 */
final class PhotoPrefetch implements AutoCloseable {
  /** A photo read and searched for faces. Close it to free the image. */
  record Found(Image image, PhotoPipeline.Detected faces) implements AutoCloseable {
    @Override
    public void close() {
      image.close();
    }
  }

  private final PhotoPipeline pipeline;
  private final List<Path> photos;
  private final long maxPixels;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "gpen-photo-prefetch");
            t.setDaemon(true);
            return t;
          });

  /** The photo being read ahead, and its index; null before the first take and after the last. */
  private Future<Found> next;

  private int nextIndex = -1;

  PhotoPrefetch(PhotoPipeline pipeline, List<Path> photos, long maxPixels) {
    this.pipeline = pipeline;
    this.photos = List.copyOf(photos);
    this.maxPixels = maxPixels;
  }

  /**
   * Photo {@code index} read and searched (the caller closes it), after which the next one is
   * started. Photos are taken in order.
   *
   * @throws io.gpen.GpenException as reading or detecting the photo threw it
   */
  Found take(int index) {
    Future<Found> current = nextIndex == index ? next : submit(index);
    next = null;
    nextIndex = -1;
    if (index + 1 < photos.size()) {
      next = submit(index + 1);
      nextIndex = index + 1;
    }
    return await(current);
  }

  private Future<Found> submit(int index) {
    Path file = photos.get(index);
    return thread.submit(
        () -> {
          Image image = Images.read(file, maxPixels);
          try {
            return new Found(image, pipeline.detect(image));
          } catch (RuntimeException | Error e) {
            image.close();
            throw e;
          }
        });
  }

  private static Found await(Future<Found> f) {
    try {
      return Futures.get(f);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading a photo", e);
    }
  }

  /** Waits for the photo being read ahead, if any, and frees it. */
  @Override
  public void close() {
    thread.shutdown();
    if (next != null && !next.cancel(false)) {
      try {
        await(next).close();
      } catch (RuntimeException ignored) {
        // the photo was never to be restored: its failure is nobody's to report
      }
    }
    next = null;
  }
}
