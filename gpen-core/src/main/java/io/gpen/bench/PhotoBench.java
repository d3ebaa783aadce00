package io.gpen.bench;

import io.gpen.BadParameter;
import io.gpen.api.Restorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.global.torch;

/**
 * Times the photo pipeline on libtorch: face detection (ms per run) and the whole photo (detection,
 * alignment, restoration of every face, paste-back; seconds per run), after warm-up.
 *
 * <pre>{@code
 * PhotoBench.Result r = PhotoBench.run(PhotoBench.Options.builder(BenchModel.random(), Path.of("photo.jpg")).build());
 * System.out.print(r.report());
 * }</pre>
 */
public final class PhotoBench {
  private PhotoBench() {}

  /**
   * What to time.
   *
   * @param model the generator and how it runs
   * @param photo the photo
   * @param detector the face detector
   * @param detectorWeights its weights, a file or a model name; null: its default model
   * @param batchSize faces per forward pass
   * @param iterations timed detection runs
   * @param warmup untimed detection runs first (and, when at least 1, one restored face)
   * @param photoRuns timed whole-photo runs
   * @param seed the seed of the random weights
   */
  public record Options(BenchModel model, Path photo, FaceDetectors.Kind detector, String detectorWeights, int batchSize,
      int iterations, int warmup, int photoRuns, long seed) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(photo, "photo");
      Objects.requireNonNull(detector, "detector");
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      if (iterations < 1) {
        throw BadParameter.of("iterations", "must be at least 1, got " + iterations);
      }
      if (warmup < 0) {
        throw BadParameter.of("warmup", "must be at least 0, got " + warmup);
      }
      if (photoRuns < 1) {
        throw BadParameter.of("photoRuns", "must be at least 1, got " + photoRuns);
      }
    }

    /** Options with the defaults: RetinaFace, batch 1, 10 detection runs after 2, 1 photo run, seed 0. */
    public static Builder builder(BenchModel model, Path photo) {
      return new Builder(model, photo);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final BenchModel model;
      private final Path photo;
      private FaceDetectors.Kind detector = FaceDetectors.Kind.RETINAFACE;
      private String detectorWeights;
      private int batchSize = 1;
      private int iterations = 10;
      private int warmup = 2;
      private int photoRuns = 1;
      private long seed;

      private Builder(BenchModel model, Path photo) {
        this.model = model;
        this.photo = photo;
      }

      /** The face detector and its weights (null: its default model). */
      public Builder detector(FaceDetectors.Kind kind, String weights) {
        this.detector = kind;
        this.detectorWeights = weights;
        return this;
      }

      /** Faces per forward pass (default 1). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Timed detection runs (default 10). */
      public Builder iterations(int iterations) {
        this.iterations = iterations;
        return this;
      }

      /** Untimed detection runs first (default 2). */
      public Builder warmup(int warmup) {
        this.warmup = warmup;
        return this;
      }

      /** Timed whole-photo runs (default 1). */
      public Builder photoRuns(int photoRuns) {
        this.photoRuns = photoRuns;
        return this;
      }

      /** The seed of the random weights (default 0). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      public Options build() {
        return new Options(model, photo, detector, detectorWeights, batchSize, iterations, warmup, photoRuns, seed);
      }
    }
  }

  /**
   * The figures.
   *
   * @param machine the CPU and its cores
   * @param config the architecture timed
   * @param weights where the weights came from
   * @param detector what the detector was
   * @param engine how libtorch ran
   * @param photo the photo's name
   * @param width the photo's width
   * @param height the photo's height
   * @param faces the faces detected
   * @param warmup untimed detection runs before the timed ones
   * @param detection milliseconds of each timed detection
   * @param wholePhoto milliseconds of each timed whole-photo run
   * @param peakBytes the peak resident memory, or -1 where unknown
   */
  public record Result(String machine, GpenConfig config, String weights, String detector, String engine, String photo,
      int width, int height, int faces, int warmup, Timings detection, Timings wholePhoto, long peakBytes) {
    /** The report; lines ending with the platform's separator. */
    public String report() {
      Timings d = detection;
      Timings p = wholePhoto;
      StringBuilder out = new StringBuilder();
      out.append(String.format("machine     %s%n", machine));
      out.append(String.format("model       GPEN %s, %s%n", config.describe(), weights));
      out.append(String.format("detector    %s%n", detector));
      out.append(String.format("engine      %s%n", engine));
      out.append(String.format("photo       %s, %dx%d, %d faces%n", photo, width, height, faces));
      out.append(String.format("detection   median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
          d.median(), d.p90(), d.min(), d.count(), warmup));
      out.append(String.format("whole photo median %.2f s, min %.2f s (%d run%s: detection, alignment, restoration,"
          + " paste-back), %.2f s per face%n", p.median() / 1000, p.min() / 1000, p.count(),
          p.count() == 1 ? "" : "s", faces == 0 ? 0.0 : p.median() / 1000 / faces));
      out.append(String.format("memory      peak resident %s%n", Machine.megabytes(peakBytes)));
      return out.toString();
    }
  }

  /**
   * Times detection and the whole photo.
   *
   * @throws io.gpen.GpenException naming the file when the photo, the weights or the detector
   *     cannot be had
   */
  public static Result run(Options options) {
    BenchModel m = options.model();
    ModelFiles.LoadedGenerator loaded = m.load(options.seed());
    int warmup = options.warmup();
    try (Restorer restorer = Restorer.builder()
            .device(m.device())
            .threads(m.threads())
            .batchSize(options.batchSize())
            .referencePath(m.forwardPass() == BenchModel.ForwardPass.REFERENCE)
            .build(loaded.model());
        Image image = Images.read(options.photo());
        FaceDetector detector = FaceDetectors.open(options.detector(), options.detectorWeights());
        FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0)) {
      Mat bgr = image.bgr();
      List<DetectedFace> faces = List.of();
      double[] detectMs = new double[options.iterations()];
      for (int i = -warmup; i < options.iterations(); i++) {
        long t0 = System.nanoTime();
        faces = detector.detect(bgr);
        if (i >= 0) {
          detectMs[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      if (warmup > 0 && !faces.isEmpty()) {
        enhancer.enhance(bgr, faces.subList(0, 1)).close();
      }
      double[] photoMs = new double[options.photoRuns()];
      for (int i = 0; i < options.photoRuns(); i++) {
        long t0 = System.nanoTime();
        try (FaceEnhancer.Result r = enhancer.enhance(bgr, detector.detect(bgr))) {
          photoMs[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      String engine = String.format("libtorch %s, %s, %d threads, batch %d", Machine.libtorchVersion(), m.device(),
          torch.get_num_threads(), options.batchSize());
      return new Result(Machine.describe(), restorer.config(), loaded.note(), detector.description(), engine,
          options.photo().getFileName().toString(), image.width(), image.height(), faces.size(), warmup,
          new Timings(detectMs), new Timings(photoMs), PeakMemory.peakResidentBytes());
    }
  }
}
