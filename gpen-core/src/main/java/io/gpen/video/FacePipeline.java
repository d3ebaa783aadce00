package io.gpen.video;

import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.face.FaceAlignment;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceEnhancer;
import io.gpen.sr.RealEsrNet;
import io.gpen.util.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Restores every face of a video as its frames stream through a bounded pipeline:
 *
 * <pre>
 * decode (thread) → [queue] → [super-resolve,] detect, track, align; restore in batches; paste → [queue] → encode (thread)
 * </pre>
 *
 * <p>The middle stage runs on the calling thread, which owns the detector. Frames whose faces are
 * aligned wait in a window until it holds a batch of faces ({@code batchSize}) or {@value #WINDOW}
 * frames; then all its faces go to the restorer in one call, each frame gets its faces pasted back,
 * and the window moves on in order, the packets of sound between its frames with it. The queues
 * hold {@value #QUEUED} items each, so that memory stays flat however long the video.
 *
 * <p>Faces are found every {@code detectEvery} frames and tracked in between ({@link FaceTracker},
 * which smooths each face's landmarks so that the crop, and so the restoration, does not jitter).
 * {@link Flicker} measures the result.
 */
public final class FacePipeline {
  /**
   * Items each queue holds: decoded frames and sound packets waiting for the middle stage, restored
   * ones for the encoder.
   */
  static final int QUEUED = 8;

  /** The most frames waiting in the window for a batch. */
  static final int WINDOW = 8;

  private static final Object END = new Object();

  /**
   * How faces are found and restored.
   *
   * @param batchSize faces per call to the restorer (faces of consecutive frames together)
   * @param detectEvery faces are detected on every k-th frame (1: every frame) and held between
   * @param smoothing how the landmarks of a track are smoothed over time
   */
  public record Settings(int batchSize, int detectEvery, Smoothing smoothing) {
    public Settings {
      Objects.requireNonNull(smoothing, "smoothing");
      if (batchSize < 1 || detectEvery < 1) {
        throw new IllegalArgumentException(
            "batchSize and detectEvery must be at least 1, got "
                + batchSize
                + " and "
                + detectEvery);
      }
    }
  }

  /**
   * What a run did.
   *
   * @param frames frames read and written
   * @param framesWithFaces frames in which at least one face was restored
   * @param faces faces restored, over all frames
   * @param tracks face tracks started (faces seen, a face lost and found again counting twice)
   * @param flicker the mean absolute change from frame to frame inside the restored faces (8-bit
   *     levels; NaN without two consecutive frames with faces)
   * @param inputFlicker the same on the input frames, over the same pixels
   */
  public record Stats(
      long frames,
      long framesWithFaces,
      long faces,
      int tracks,
      double flicker,
      double inputFlicker) {}

  private final FaceDetector detector;
  private final FaceRestorer restorer;
  private final FaceEnhancer enhancer;
  private final Settings settings;
  private final RealEsrNet upscaler;
  private final int tileSize;

  /** The enhancer pastes with {@code restorer}'s size; all three stay the caller's. */
  public FacePipeline(
      FaceDetector detector, FaceRestorer restorer, FaceEnhancer enhancer, Settings settings) {
    this(detector, restorer, enhancer, settings, null, 0);
  }

  /**
   * As {@link #FacePipeline(FaceDetector, FaceRestorer, FaceEnhancer, Settings)}, with every frame
   * super-resolved as the reference's {@code --use_sr} treats a photo: the faces are found, aligned
   * and restored on the frame resized (bilinear) to the super-resolved size, and pasted onto the
   * super-resolved frame. The writer must take frames {@code upscaler.scale()} times larger.
   *
   * @param upscaler the background super-resolution (the caller's), or null for none
   * @param tileSize its tile side in input pixels, 0 for whole frames
   */
  public FacePipeline(
      FaceDetector detector,
      FaceRestorer restorer,
      FaceEnhancer enhancer,
      Settings settings,
      RealEsrNet upscaler,
      int tileSize) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.restorer = Objects.requireNonNull(restorer, "restorer");
    this.enhancer = Objects.requireNonNull(enhancer, "enhancer");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.upscaler = upscaler;
    this.tileSize = tileSize;
  }

  /** How many times wider and taller the frames come out: the upscaler's scale, or 1. */
  public int scale() {
    return upscaler == null ? 1 : upscaler.scale();
  }

  /**
   * Reads every item of {@code reader}, restores the faces of its frames and writes them and the
   * sound to {@code writer}, then finishes the writer. {@code progress} hears of each frame that
   * leaves the middle stage.
   *
   * @throws io.gpen.GpenException from the reader or writer, naming the file
   */
  public Stats run(VideoReader reader, VideoWriter writer, LongConsumer progress) {
    BlockingQueue<Object> decoded = new ArrayBlockingQueue<>(QUEUED);
    BlockingQueue<Object> restored = new ArrayBlockingQueue<>(QUEUED);
    ExecutorService threads =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r);
              t.setDaemon(true);
              return t;
            });
    try {
      Future<?> decoding =
          threads.submit(
              () -> {
                Thread.currentThread().setName("gpen-video-decode");
                return decode(reader, decoded);
              });
      Future<?> encoding =
          threads.submit(
              () -> {
                Thread.currentThread().setName("gpen-video-encode");
                encode(restored, writer);
                return null;
              });
      Middle middle = new Middle(restored, encoding, progress);
      try {
        middle.run(decoded, decoding);
        put(restored, END, encoding);
        Futures.get(encoding);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GpenException("interrupted while restoring " + reader.file());
      } finally {
        middle.close();
        decoding.cancel(true);
        encoding.cancel(true);
      }
      return middle.stats();
    } finally {
      threads.shutdownNow();
      awaitQuietly(threads);
      drain(decoded);
      drain(restored);
    }
  }

  /** The decoding thread: every item, then END (or the failure). */
  private static Void decode(VideoReader reader, BlockingQueue<Object> decoded)
      throws InterruptedException {
    Object last = END;
    try {
      VideoReader.Item item;
      while ((item = reader.next()) != null) {
        try {
          decoded.put(item);
        } catch (InterruptedException e) {
          item.close();
          throw e;
        }
      }
    } catch (RuntimeException e) {
      last = e;
    }
    decoded.put(last);
    return null;
  }

  /** The encoding thread: writes the items until END, then finishes the file. */
  private static void encode(BlockingQueue<Object> restored, VideoWriter writer)
      throws InterruptedException {
    while (true) {
      Object item = restored.take();
      if (item == END) {
        writer.finish();
        return;
      }
      if (item instanceof VideoReader.Frame frame) {
        try (frame) {
          writer.write(frame.bgr(), frame.pts());
        }
      } else {
        writer.write((VideoReader.AudioPacket) item);
      }
    }
  }

  /** The middle stage's state: tracker, window, counts. */
  private final class Middle implements AutoCloseable {
    private final BlockingQueue<Object> out;
    private final Future<?> consumer;
    private final LongConsumer progress;
    private final FaceTracker tracker = new FaceTracker(settings.smoothing());
    private final Flicker flicker = new Flicker();
    private final List<Object> window = new ArrayList<>();
    private int windowFrames;
    private int windowFaces;
    private long frames;
    private long framesWithFaces;
    private long faces;

    Middle(BlockingQueue<Object> out, Future<?> consumer, LongConsumer progress) {
      this.out = out;
      this.consumer = consumer;
      this.progress = progress;
    }

    void run(BlockingQueue<Object> in, Future<?> producer) throws InterruptedException {
      while (true) {
        Object item = take(in, producer);
        if (item == END) {
          flush();
          return;
        }
        if (item instanceof RuntimeException failure) {
          throw failure;
        }
        if (item instanceof VideoReader.Frame frame) {
          Aligned aligned = align(frame);
          if (aligned.crops.isEmpty() && window.isEmpty()) {
            emit(aligned);
          } else {
            window.add(aligned);
            windowFrames++;
            windowFaces += aligned.crops.size();
            if (windowFaces >= settings.batchSize() || windowFrames >= WINDOW) {
              flush();
            }
          }
        } else if (window.isEmpty()) {
          put(out, item, consumer);
        } else {
          window.add(item);
        }
      }
    }

    /**
     * Finds (or holds) the frame's faces and cuts out each one aligned, from the frame or, with
     * super-resolution, from the frame resized to the super-resolved size.
     */
    private Aligned align(VideoReader.Frame frame) {
      Aligned aligned = new Aligned(frame);
      if (upscaler != null) {
        try {
          aligned.background = upscaler.process(frame.bgr(), tileSize);
          aligned.enlarged = upscaler.resizeToOutput(frame.bgr());
        } catch (RuntimeException e) {
          aligned.close();
          throw e;
        }
      }
      Mat source = aligned.source();
      List<FaceTracker.Tracked> tracked =
          frame.index() % settings.detectEvery() == 0
              ? tracker.update(detector.detect(source), frame.seconds())
              : tracker.current();
      for (FaceTracker.Tracked t : tracked) {
        double[] transform;
        try {
          transform = FaceAlignment.transform(t.face(), restorer.size());
        } catch (IllegalArgumentException degenerate) {
          continue;
        }
        aligned.faces.add(t);
        aligned.crops.add(FaceAlignment.crop(source, transform, restorer.size()));
      }
      return aligned;
    }

    /** Restores the window's faces in one call, pastes them and sends the window on in order. */
    private void flush() throws InterruptedException {
      List<Mat> crops = new ArrayList<>();
      for (Object o : window) {
        if (o instanceof Aligned a) {
          crops.addAll(a.crops);
        }
      }
      List<Mat> results = crops.isEmpty() ? List.of() : restorer.restore(crops);
      int next = 0;
      for (Object o : window) {
        if (o instanceof Aligned a) {
          for (int i = 0; i < a.crops.size(); i++) {
            a.restored.add(results.get(next++));
          }
        }
      }
      List<Object> items = new ArrayList<>(window);
      window.clear();
      windowFrames = 0;
      windowFaces = 0;
      for (int i = 0; i < items.size(); i++) {
        Object o = items.get(i);
        if (o instanceof Aligned a) {
          try {
            emit(a);
          } catch (RuntimeException | InterruptedException e) {
            items.subList(i + 1, items.size()).forEach(FacePipeline::close);
            throw e;
          }
        } else {
          put(out, o, consumer);
        }
      }
    }

    /** Pastes a frame's restored faces (if any), measures it, and sends it to the encoder. */
    private void emit(Aligned a) throws InterruptedException {
      VideoReader.Frame frame = a.frame;
      try {
        Mat input = a.source();
        Mat canvas = a.background != null ? a.background : frame.bgr();
        if (a.crops.isEmpty()) {
          flicker.add(input, canvas, null);
          if (canvas != frame.bgr()) {
            canvas.copyTo(frame.bgr());
          }
        } else {
          List<FaceEnhancer.Face> pasted = new ArrayList<>();
          for (int i = 0; i < a.crops.size(); i++) {
            pasted.add(
                new FaceEnhancer.Face(a.faces.get(i).face(), a.crops.get(i), a.restored.get(i)));
          }
          a.crops.clear();
          a.restored.clear();
          FaceEnhancer.Result result;
          try {
            result = enhancer.paste(canvas, pasted);
          } catch (RuntimeException e) {
            for (FaceEnhancer.Face f : pasted) {
              f.aligned().close();
              f.restored().close();
            }
            frame.close();
            throw e;
          }
          try (result) {
            flicker.add(input, result.image(), result.mask());
            result.image().copyTo(frame.bgr());
          }
          framesWithFaces++;
          faces += pasted.size();
        }
      } finally {
        a.closeEnlargements();
      }
      frames++;
      put(out, frame, consumer);
      progress.accept(1);
    }

    Stats stats() {
      return new Stats(
          frames,
          framesWithFaces,
          faces,
          tracker.tracksStarted(),
          flicker.output(),
          flicker.input());
    }

    @Override
    public void close() {
      window.forEach(FacePipeline::close);
      window.clear();
      flicker.close();
    }
  }

  /** A frame with its faces, their aligned crops and, once restored, their restorations. */
  private static final class Aligned implements AutoCloseable {
    final VideoReader.Frame frame;
    final List<FaceTracker.Tracked> faces = new ArrayList<>();
    final List<Mat> crops = new ArrayList<>();
    final List<Mat> restored = new ArrayList<>();

    /** With super-resolution: the super-resolved frame, onto which the faces go; else null. */
    Mat background;

    /** With super-resolution: the frame resized to the background's size; else null. */
    Mat enlarged;

    Aligned(VideoReader.Frame frame) {
      this.frame = frame;
    }

    /** The image the faces are found in and cut from. */
    Mat source() {
      return enlarged != null ? enlarged : frame.bgr();
    }

    void closeEnlargements() {
      for (Mat m : new Mat[] {background, enlarged}) {
        if (m != null) {
          m.close();
        }
      }
      background = null;
      enlarged = null;
    }

    @Override
    public void close() {
      frame.close();
      crops.forEach(Mat::close);
      restored.forEach(Mat::close);
      closeEnlargements();
    }
  }

  /** Puts an item on a queue, giving up (and closing it) when the consumer has stopped. */
  private static void put(BlockingQueue<Object> queue, Object item, Future<?> consumer)
      throws InterruptedException {
    try {
      while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        if (consumer.isDone()) {
          Futures.get(consumer);
          throw new IllegalStateException("the encoder stopped early");
        }
      }
    } catch (RuntimeException | InterruptedException e) {
      close(item);
      throw e;
    }
  }

  /**
   * Takes the next item of a queue; should its producer stop without its last item, rethrows why.
   */
  private static Object take(BlockingQueue<Object> queue, Future<?> producer)
      throws InterruptedException {
    while (true) {
      Object item = queue.poll(100, TimeUnit.MILLISECONDS);
      if (item != null) {
        return item;
      }
      if (producer.isDone() && queue.isEmpty()) {
        Futures.get(producer);
        throw new IllegalStateException("the decoder stopped early");
      }
    }
  }

  private static void awaitQuietly(ExecutorService threads) {
    boolean interrupted = false;
    while (true) {
      try {
        if (threads.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void drain(BlockingQueue<Object> queue) {
    Object item;
    while ((item = queue.poll()) != null) {
      close(item);
    }
  }

  private static void close(Object item) {
    if (item instanceof AutoCloseable c && item != END) {
      try {
        c.close();
      } catch (Exception ignored) {
        // a frame or packet: closing frees native memory and does not fail
      }
    }
  }
}
