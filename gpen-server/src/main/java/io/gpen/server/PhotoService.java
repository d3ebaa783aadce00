package io.gpen.server;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceAlignment;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/**
 * The work behind {@code /v1/restore} and {@code /v1/faces}, as {@code gpen restore} does it for one
 * photo ({@link io.gpen.workflow.PhotoRestoration}): decode, super-resolve where asked, detect,
 * align, restore, paste back under the parser's mask or the rectangle, encode; the restored PNG is
 * byte for byte the {@code <name>_GPEN.png} that command writes with the same networks, and the
 * face list its {@code <name>.faces.json}.
 *
 * <p>Admission and memory: at most {@code maxQueue} requests wait for one of {@code workers}
 * workers, beyond that a request is refused at once ({@link #admit}); a worker first reserves room
 * for the image's declared pixels ({@link PixelBudget}), then decodes it and frees the upload. The
 * faces of all workers go to one {@link FaceBatcher}, which restores them together. The detector is
 * shared (one detection at a time). Every wait is bounded by the request's deadline.
 */
final class PhotoService implements AutoCloseable {
  /** The formats of a restored image. */
  enum Format {
    PNG(".png", "image/png"),
    JPEG(".jpg", "image/jpeg");

    final String extension;
    final String contentType;

    Format(String extension, String contentType) {
      this.extension = extension;
      this.contentType = contentType;
    }
  }

  /**
   * What to do with a photo: the {@code aligned}, {@code alpha}, {@code use_sr} and {@code format}
   * of the request.
   */
  record RestoreRequest(boolean aligned, double alpha, boolean superResolution, Format format) {}

  /** A restored image, encoded in native memory; close it once written. */
  static final class Restored implements AutoCloseable {
    private final BytePointer bytes;
    private final Format format;
    private final int faces;

    Restored(BytePointer bytes, Format format, int faces) {
      this.bytes = bytes;
      this.format = format;
      this.faces = faces;
    }

    /** The encoded image, from address 0 to {@code limit()}. */
    BytePointer bytes() {
      return bytes;
    }

    Format format() {
      return format;
    }

    /** The faces restored (1 for an aligned face). */
    int faces() {
      return faces;
    }

    @Override
    public void close() {
      bytes.close();
    }
  }

  /** The JPEG quality of {@code format=jpeg} answers, that of {@code gpen restore --compare}. */
  static final int JPEG_QUALITY = 95;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ServerOptions options;
  private final Networks networks;
  private final FaceRestorer model;
  private final FaceDetector detector;
  private final FaceBatcher batcher;
  private final PixelBudget budget;
  private final Semaphore workers;
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger working = new AtomicInteger();
  private final AtomicInteger preparing = new AtomicInteger();

  /**
   * @param networks the networks (not closed here); the restorer's batch size should be at least
   *     {@code maxBatch} so that each batch is one forward pass
   */
  PhotoService(ServerOptions options, Networks networks, FaceBatcher.BatchListener batches) {
    this.options = options;
    this.networks = networks;
    this.model = networks.restorer();
    this.detector = networks.detector();
    this.budget = new PixelBudget(options.busyPixels());
    this.workers = new Semaphore(options.workers(), true);
    this.batcher = new FaceBatcher(model, options.maxBatch(), options.batchWait().toNanos(),
        () -> preparing.get() > 0, batches);
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
    Images.DeclaredSize size = Images.declaredSize(upload.data()).orElseThrow(() -> ApiError.badRequest(
        "not an image: the body is not a PNG, JPEG, BMP, TIFF or WebP file"));
    if (size.width() == 0 || size.height() == 0) {
      throw ApiError.badRequest("not an image: " + size.format() + " header declares an empty image");
    }
    if (size.pixels() > options.maxPixels()) {
      throw ApiError.badRequest("image too large: " + size.format() + " of " + size.width() + "x" + size.height()
          + " pixels, more than the limit of " + options.maxPixels() + " pixels");
    }
    return size.pixels();
  }

  /** Whether requests may ask for background super-resolution. */
  boolean hasSuperResolution() {
    return networks.upscaler() != null;
  }

  /**
   * Restores the faces of the photo (or the aligned face) and encodes the result, as {@code
   * PhotoRestoration} restores and writes one photo.
   */
  Restored restore(Upload upload, RestoreRequest request, long deadline) {
    long pixels = declaredPixels(upload);
    long scale = request.superResolution() ? networks.scale() : 1;
    long enlarged = pixels > Long.MAX_VALUE / (scale * scale) ? Long.MAX_VALUE : pixels * scale * scale;
    if (request.superResolution() && !request.aligned() && enlarged > options.maxPixels()) {
      throw ApiError.badRequest("image too large for use_sr: x" + scale + " gives " + enlarged
          + " pixels, more than the limit of " + options.maxPixels() + " pixels");
    }
    // the photo, and with super-resolution the background and the photo at its size
    long reserve = request.superResolution() && !request.aligned() ? pixels + 2 * Math.min(enlarged, options.maxPixels())
        : pixels;
    return work(deadline, submitted -> {
      long granted = budget.acquire(reserve, deadline);
      try (Image image = decode(upload)) {
        FaceRestorer shared = batched(deadline, submitted);
        try (FaceEnhancer enhancer = new FaceEnhancer(shared, request.alpha(), networks.parser())) {
          return request.aligned()
              ? restoreAligned(image, enhancer, request)
              : restorePhoto(image, enhancer, request);
        }
      } finally {
        budget.release(granted);
      }
    });
  }

  /** As {@code PhotoRestoration.restorePhoto}: with super-resolution the faces go onto the enlarged photo. */
  private Restored restorePhoto(Image image, FaceEnhancer enhancer, RestoreRequest request) {
    Mat background = null;
    Mat photo = null;
    Mat alpha = null;
    boolean sr = request.superResolution();
    try {
      if (!sr) {
        photo = image.bgr();
        background = photo;
        alpha = image.alpha().orElse(null);
      } else {
        Mat enlarged = networks.upscale(image.bgr());
        background = enlarged;
        photo = Images.resize(image.bgr(), enlarged.cols(), enlarged.rows(), INTER_LINEAR);
        alpha = image.alpha().map(a -> Images.resize(a, enlarged.cols(), enlarged.rows(), INTER_LINEAR)).orElse(null);
      }
      List<DetectedFace> faces = detect(photo);
      try (FaceEnhancer.Result result = enhancer.enhance(photo, background, faces)) {
        return new Restored(encode(result.image(), alpha, image.sourceChannels() == 1, request.format()),
            request.format(), result.faces().size());
      }
    } finally {
      if (sr) {
        close(background, photo, alpha);
      }
    }
  }

  /** As {@code PhotoRestoration.restoreAligned}: restored whole, then super-resolved where asked. */
  private Restored restoreAligned(Image image, FaceEnhancer enhancer, RestoreRequest request) {
    Mat restored = null;
    Mat alpha = null;
    try {
      restored = enhancer.enhanceAligned(image.bgr());
      if (request.superResolution()) {
        Mat small = restored;
        restored = networks.upscale(small);
        small.close();
      }
      int side = restored.cols();
      alpha = image.alpha().map(a -> Images.resize(a, side, side, INTER_LINEAR)).orElse(null);
      return new Restored(encode(restored, alpha, image.sourceChannels() == 1, request.format()), request.format(), 1);
    } finally {
      close(restored, alpha);
    }
  }

  private static void close(Mat... mats) {
    for (Mat m : mats) {
      if (m != null) {
        m.close();
      }
    }
  }

  /** The faces of the photo as {@code gpen restore}'s {@code faces.json}, named {@code name}. */
  byte[] faces(Upload upload, String name, long deadline) {
    long pixels = declaredPixels(upload);
    return work(deadline, submitted -> {
      long granted = budget.acquire(pixels, deadline);
      try (Image image = decode(upload)) {
        submitted.run();
        return facesJson(name, image, detect(image.bgr()), model.size());
      } finally {
        budget.release(granted);
      }
    });
  }

  /** Runs {@code job} on a worker once one is free; the job calls its argument when its faces are handed in. */
  private <T> T work(long deadline, Function<Runnable, T> job) {
    waiting.incrementAndGet();
    try {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !workers.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        throw ApiError.unavailable("timed out waiting for a worker (" + options.workers() + " busy)", 1);
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
    Runnable submitted = () -> {
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

  private List<DetectedFace> detect(Mat bgr) {
    synchronized (detector) {
      return detector.detect(bgr);
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
        return model.description();
      }

      @Override
      public void close() {}
    };
  }

  /**
   * Encodes as {@code gpen restore} writes: with the alpha plane where the input had one, as grey
   * where it was grey, else BGR; a PNG with OpenCV's default settings. A JPEG has no alpha.
   */
  static BytePointer encode(Mat bgr, Mat alpha, boolean gray, Format format) {
    Mat toEncode = bgr;
    Mat converted = null;
    try {
      if (alpha != null && format == Format.PNG) {
        converted = new Mat();
        try (MatVector planes = new MatVector(bgr, alpha)) {
          opencv_core.merge(planes, converted);
        }
        toEncode = converted;
      } else if (gray) {
        converted = new Mat();
        opencv_imgproc.cvtColor(bgr, converted, COLOR_BGR2GRAY);
        toEncode = converted;
      }
      BytePointer out = new BytePointer();
      boolean ok;
      if (format == Format.JPEG) {
        try (IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY)) {
          ok = imencode(format.extension, toEncode, out, params);
        }
      } else {
        ok = imencode(format.extension, toEncode, out);
      }
      if (!ok) {
        out.close();
        throw new IllegalStateException("OpenCV could not encode the restored image as " + format);
      }
      return out;
    } finally {
      if (converted != null) {
        converted.close();
      }
    }
  }

  /**
   * The face list as {@code PhotoRestoration} writes {@code faces.json}, with its trailing newline:
   * the faces it pastes, which leaves out those whose landmarks determine no alignment.
   */
  static byte[] facesJson(String name, Image image, List<DetectedFace> faces, int size) {
    List<Object> list = new ArrayList<>();
    for (DetectedFace d : faces) {
      try {
        FaceAlignment.transform(d, size);
      } catch (IllegalArgumentException degenerate) {
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("box", List.of(round(d.x1()), round(d.y1()), round(d.x2()), round(d.y2())));
      entry.put("score", Math.round(d.score() * 1e4) / 1e4);
      List<Object> points = new ArrayList<>();
      for (int k = 0; k < DetectedFace.POINTS; k++) {
        points.add(List.of(round(d.landmarkX(k)), round(d.landmarkY(k))));
      }
      entry.put("landmarks", points);
      list.add(entry);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("image", name);
    root.put("width", image.width());
    root.put("height", image.height());
    root.put("landmark_order", List.of("eye, picture left", "eye, picture right", "nose tip",
        "mouth corner, picture left", "mouth corner, picture right"));
    root.put("faces", list);
    try {
      return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("face list not serialisable", e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Stops the batcher once its queued faces are restored. */
  @Override
  public void close() {
    batcher.close();
  }
}
