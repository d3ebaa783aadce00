package io.gpen.server;

import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.workflow.PhotoPipeline;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The work behind {@code /v1/restore} and {@code /v1/faces}: admission, the pixel budget and
 * decoding here, the photo itself in the core's {@link PhotoPipeline} as {@code gpen restore} does
 * it ({@link PhotoPipeline#restore(Image, PhotoPipeline.Choices, FaceRestorer,
 * PhotoPipeline.Format)}), so the restored PNG is byte for byte the {@code <name>_GPEN.png} that
 * command writes with the same networks, and the face list its {@code <name>.faces.json}.
 *
 * <p>Admission and memory: at most {@code maxQueue} requests wait for one of {@code workers}
 * workers, beyond that a request is refused at once ({@link #admit}); a worker first reserves room
 * for the image's declared pixels ({@link PixelBudget}), then decodes it and frees the upload. The
 * faces of all workers go to one {@link FaceBatcher}, which restores them together in calls of the
 * pipeline's model. Every wait is bounded by the request's deadline.
 */
final class PhotoService implements AutoCloseable {
  /** The formats of a restored image, as answered over HTTP. */
  enum Format {
    PNG(PhotoPipeline.Format.PNG, "image/png"),
    JPEG(PhotoPipeline.Format.JPEG, "image/jpeg");

    final PhotoPipeline.Format encoding;
    final String contentType;

    Format(PhotoPipeline.Format encoding, String contentType) {
      this.encoding = encoding;
      this.contentType = contentType;
    }
  }

  /**
   * What to do with a photo: the {@code aligned}, {@code alpha}, {@code use_sr} and {@code format}
   * of the request.
   */
  record RestoreRequest(boolean aligned, double alpha, boolean superResolution, Format format) {}

  private final ServerOptions options;
  private final PhotoPipeline pipeline;
  private final FaceBatcher batcher;
  private final PixelBudget budget;
  private final Semaphore workers;
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger working = new AtomicInteger();
  private final AtomicInteger preparing = new AtomicInteger();

  /**
   * @param pipeline the networks (not closed here); the model's batch size should be at least
   *     {@code maxBatch} so that each batch is one forward pass
   */
  PhotoService(ServerOptions options, PhotoPipeline pipeline, FaceBatcher.BatchListener batches) {
    this.options = options;
    this.pipeline = pipeline;
    this.budget = new PixelBudget(options.busyPixels());
    this.workers = new Semaphore(options.workers(), true);
    this.batcher =
        new FaceBatcher(
            pipeline.restorer(),
            options.maxBatch(),
            options.batchWait().toNanos(),
            () -> preparing.get() > 0,
            batches);
  }

  /** Requests waiting for a worker. */
  int queueDepth() {
    return waiting.get();
  }

  /** Requests a worker holds. */
  int inProgress() {
    return working.get();
  }

  /** Pixels reserved by the images at work. */
  long busyPixels() {
    return budget.used();
  }

  /**
   * Takes a request in, or refuses it when {@code workers + maxQueue} are in already; one taken in
   * must {@link #leave} once answered.
   */
  boolean admit() {
    if (admitted.incrementAndGet() > options.workers() + options.maxQueue()) {
      admitted.decrementAndGet();
      return false;
    }
    return true;
  }

  void leave() {
    admitted.decrementAndGet();
  }

  /**
   * The pixels the upload declares, checked before anything is decoded.
   *
   * @throws ApiError 400 when it is not a PNG, JPEG, BMP, TIFF or WebP image or declares more than
   *     {@code maxPixels}
   */
  long declaredPixels(Upload upload) {
    Images.DeclaredSize size =
        Images.declaredSize(upload.data())
            .orElseThrow(
                () ->
                    ApiError.badRequest(
                        "not an image: the body is not a PNG, JPEG, BMP, TIFF or WebP file"));
    if (size.width() == 0 || size.height() == 0) {
      throw ApiError.badRequest(
          "not an image: " + size.format() + " header declares an empty image");
    }
    if (size.pixels() > options.maxPixels()) {
      throw ApiError.badRequest(
          "image too large: "
              + size.format()
              + " of "
              + size.width()
              + "x"
              + size.height()
              + " pixels, more than the limit of "
              + options.maxPixels()
              + " pixels");
    }
    return size.pixels();
  }

  /** Whether requests may ask for background super-resolution. */
  boolean hasSuperResolution() {
    return pipeline.superResolution() != null;
  }

  /**
   * Restores the faces of the photo (or the aligned face) and encodes the result, as {@code
   * PhotoRestoration} restores and writes one photo; the caller closes it.
   */
  PhotoPipeline.Restored restore(Upload upload, RestoreRequest request, long deadline) {
    long pixels = declaredPixels(upload);
    long scale = request.superResolution() ? pipeline.superResolutionScale() : 1;
    long enlarged =
        pixels > Long.MAX_VALUE / (scale * scale) ? Long.MAX_VALUE : pixels * scale * scale;
    if (request.superResolution() && !request.aligned() && enlarged > options.maxPixels()) {
      throw ApiError.badRequest(
          "image too large for use_sr: x"
              + scale
              + " gives "
              + enlarged
              + " pixels, more than the limit of "
              + options.maxPixels()
              + " pixels");
    }
    // the photo, and with super-resolution the background and the photo at its size
    long reserve =
        request.superResolution() && !request.aligned()
            ? pixels + 2 * Math.min(enlarged, options.maxPixels())
            : pixels;
    PhotoPipeline.Choices choices =
        new PhotoPipeline.Choices(request.aligned(), request.alpha(), request.superResolution());
    return work(
        deadline,
        submitted -> {
          long granted = budget.acquire(reserve, deadline);
          try (Image image = decode(upload)) {
            return pipeline.restore(
                image, choices, batched(deadline, submitted), request.format().encoding);
          } finally {
            budget.release(granted);
          }
        });
  }

  /** The faces of the photo as {@code gpen restore}'s {@code faces.json}, named {@code name}. */
  byte[] faces(Upload upload, String name, long deadline) {
    long pixels = declaredPixels(upload);
    return work(
        deadline,
        submitted -> {
          long granted = budget.acquire(pixels, deadline);
          try (Image image = decode(upload)) {
            submitted.run();
            return pipeline.faceList(image, name);
          } finally {
            budget.release(granted);
          }
        });
  }

  /**
   * Runs {@code job} on a worker once one is free; the job calls its argument when its faces are
   * handed in.
   */
  private <T> T work(long deadline, Function<Runnable, T> job) {
    waiting.incrementAndGet();
    try {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !workers.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        throw ApiError.unavailable(
            "timed out waiting for a worker (" + options.workers() + " busy)", 1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiError.unavailable("interrupted while waiting for a worker", 1);
    } finally {
      waiting.decrementAndGet();
    }
    working.incrementAndGet();
    preparing.incrementAndGet();
    AtomicBoolean prepared = new AtomicBoolean();
    Runnable submitted =
        () -> {
          if (prepared.compareAndSet(false, true)) {
            preparing.decrementAndGet();
          }
        };
    try {
      return job.apply(submitted);
    } finally {
      submitted.run();
      working.decrementAndGet();
      workers.release();
    }
  }

  /** The upload decoded, its bytes freed. */
  private Image decode(Upload upload) {
    String source = upload.fileName() == null ? "upload" : "upload " + upload.fileName();
    try {
      return Images.decode(upload.data(), source, options.maxPixels());
    } catch (GpenException e) {
      throw ApiError.badRequest(e.getMessage());
    } finally {
      upload.close();
    }
  }

  /** The model as seen by one request: its faces go to the batcher, bounded by its deadline. */
  private FaceRestorer batched(long deadline, Runnable submitted) {
    return new FaceRestorer() {
      @Override
      public int size() {
        return batcher.size();
      }

      @Override
      public List<Mat> restore(List<Mat> faces) {
        return batcher.restore(faces, deadline, submitted);
      }

      @Override
      public String description() {
        return pipeline.model();
      }

      @Override
      public void close() {}
    };
  }

  /** Stops the batcher once its queued faces are restored. */
  @Override
  public void close() {
    batcher.close();
  }
}
