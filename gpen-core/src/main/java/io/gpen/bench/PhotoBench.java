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
import io.gpen.parse.FaceParser;
import io.gpen.sr.RealEsrNet;
import io.gpen.sr.RrdbNet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Times the photo pipeline on libtorch: face detection (ms per run) and the whole photo (detection,
 * alignment, restoration of every face, paste-back; seconds per run), after warm-up; where asked,
 * the background super-resolution of the photo too (seconds per megapixel of input, per scale),
 * with random weights of the official Real-ESRNet layout (RRDBNet, 32 features, 23 blocks, growth
 * 32); and where asked, the face parser's paste mask (per face), with random weights of the layout
 * of the official ParseNet-latest, which the whole-photo runs then include as {@code restore --mask
 * parse} does.
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
   * @param photoRuns timed whole-photo runs, and timed super-resolution runs per scale
   * @param seed the seed of the random weights
   * @param srScales the super-resolution scales to time (1, 2 or 4), none for no super-resolution
   * @param tileSize the super-resolution's tile side in input pixels, 0 for the whole photo at once
   * @param parseMask whether faces are pasted under the face parser's masks (timed per face) rather
   *     than the rectangle mask
   */
  public record Options(
      BenchModel model,
      Path photo,
      FaceDetectors.Kind detector,
      String detectorWeights,
      int batchSize,
      int iterations,
      int warmup,
      int photoRuns,
      long seed,
      List<Integer> srScales,
      int tileSize,
      boolean parseMask) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(photo, "photo");
      Objects.requireNonNull(detector, "detector");
      srScales = List.copyOf(srScales);
      for (int s : srScales) {
        if (!RrdbNet.Layout.isScale(s)) {
          throw BadParameter.of("srScale", "must be 1, 2 or 4, got " + s);
        }
      }
      if (tileSize < 0) {
        throw BadParameter.of(
            "tileSize", "must be 0 (the whole photo at once) or positive, got " + tileSize);
      }
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

    /**
     * Options with the defaults: RetinaFace, batch 1, 10 detection runs after 2, 1 photo run, seed
     * 0, no super-resolution, the rectangle mask.
     */
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
      private List<Integer> srScales = List.of();
      private int tileSize;
      private boolean parseMask;

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

      /**
       * Times the super-resolution of the photo at each of {@code scales} (1, 2 or 4), on tiles of
       * {@code tileSize} input pixels (0: untiled); default: none.
       */
      public Builder superResolution(List<Integer> scales, int tileSize) {
        this.srScales = scales;
        this.tileSize = tileSize;
        return this;
      }

      /**
       * Pastes the faces under the face parser's masks (random weights of ParseNet-latest's layout)
       * and times the parser per face; default: the rectangle mask.
       */
      public Builder parseMask(boolean parseMask) {
        this.parseMask = parseMask;
        return this;
      }

      public Options build() {
        return new Options(
            model,
            photo,
            detector,
            detectorWeights,
            batchSize,
            iterations,
            warmup,
            photoRuns,
            seed,
            srScales,
            tileSize,
            parseMask);
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
   * @param superResolution the super-resolution timings, one per scale asked for
   * @param parser the face parser's description, or null with the rectangle mask
   * @param parseMask milliseconds of each face's paste mask (parsing and post-processing), or null
   *     with the rectangle mask
   * @param peakBytes the peak resident memory, or -1 where unknown
   */
  public record Result(
      String machine,
      GpenConfig config,
      String weights,
      String detector,
      String engine,
      String photo,
      int width,
      int height,
      int faces,
      int warmup,
      Timings detection,
      Timings wholePhoto,
      List<SuperResolution> superResolution,
      String parser,
      Timings parseMask,
      long peakBytes) {
    public Result {
      superResolution = List.copyOf(superResolution);
    }

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
      out.append(
          String.format(
              "detection   median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
              d.median(), d.p90(), d.min(), d.count(), warmup));
      out.append(
          String.format(
              "whole photo median %.2f s, min %.2f s (%d run%s: detection, alignment, restoration,"
                  + "%s paste-back), %.2f s per face%n",
              p.median() / 1000,
              p.min() / 1000,
              p.count(),
              p.count() == 1 ? "" : "s",
              parser == null ? "" : " parse mask,",
              faces == 0 ? 0.0 : p.median() / 1000 / faces));
      if (parseMask != null) {
        out.append(
            String.format(
                "parse mask  median %.1f ms per face, min %.1f ms (%d face%s); %s%n",
                parseMask.median(),
                parseMask.min(),
                parseMask.count(),
                parseMask.count() == 1 ? "" : "s",
                parser));
      }
      for (SuperResolution sr : superResolution) {
        out.append(
            String.format(
                "sr x%d       %.2f s per input megapixel (median %.2f s, min %.2f s, %d run%s, %s);"
                    + " %s%n",
                sr.scale(),
                sr.secondsPerMegapixel(width, height),
                sr.runs().median() / 1000,
                sr.runs().min() / 1000,
                sr.runs().count(),
                sr.runs().count() == 1 ? "" : "s",
                sr.tileSize() == 0 ? "untiled" : "tiles of " + sr.tileSize() + " px",
                sr.network()));
      }
      out.append(String.format("memory      peak resident %s%n", Machine.megabytes(peakBytes)));
      return out.toString();
    }
  }

  /**
   * The super-resolution of the whole photo at one scale.
   *
   * @param scale 1, 2 or 4
   * @param network the network timed
   * @param tileSize its tile side in input pixels, 0 for untiled
   * @param runs milliseconds of each timed run
   */
  public record SuperResolution(int scale, String network, int tileSize, Timings runs) {
    /** Median seconds per megapixel of input, for a photo of {@code width}×{@code height}. */
    public double secondsPerMegapixel(int width, int height) {
      return runs.median() / 1000 / (width * (double) height / 1e6);
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
    try (Restorer restorer = m.restorer(loaded.model(), options.batchSize());
        Image image = Images.read(options.photo());
        FaceDetector detector = FaceDetectors.open(options.detector(), options.detectorWeights());
        FaceParser parser =
            options.parseMask() ? BenchNetworks.randomParser(options.seed(), m.precision()) : null;
        FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0, parser)) {
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
      Timings parseMs = null;
      for (int i = 0; i < options.photoRuns(); i++) {
        long t0 = System.nanoTime();
        try (FaceEnhancer.Result r = enhancer.enhance(bgr, detector.detect(bgr))) {
          photoMs[i] = (System.nanoTime() - t0) / 1e6;
          if (parser != null && i == options.photoRuns() - 1 && !r.faces().isEmpty()) {
            parseMs = timeParser(parser, r.faces(), restorer.size());
          }
        }
      }
      List<SuperResolution> sr = new ArrayList<>();
      for (int scale : options.srScales()) {
        sr.add(timeSuperResolution(scale, bgr, options));
      }
      return new Result(
          Machine.describe(),
          restorer.config(),
          loaded.note(),
          detector.description(),
          m.pipelineEngine(options.batchSize()),
          options.photo().getFileName().toString(),
          image.width(),
          image.height(),
          faces.size(),
          warmup,
          new Timings(detectMs),
          new Timings(photoMs),
          sr,
          parser == null ? null : parser.description(),
          parseMs,
          PeakMemory.peakResidentBytes());
    }
  }

  /**
   * Times the super-resolution of the photo with random weights of the official layout at {@code
   * scale}: with warm-up, one untimed run on a corner of at most 64×64 pixels first, then {@code
   * photoRuns} timed runs on the whole photo.
   */
  private static SuperResolution timeSuperResolution(int scale, Mat bgr, Options options) {
    try (RealEsrNet network =
        BenchNetworks.randomUpscaler(scale, options.seed(), options.model().precision())) {
      if (options.warmup() > 0) {
        BenchNetworks.warmUp(network, bgr, options.tileSize());
      }
      double[] ms = new double[options.photoRuns()];
      for (int i = 0; i < ms.length; i++) {
        long t0 = System.nanoTime();
        network.process(bgr, options.tileSize()).close();
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      return new SuperResolution(scale, network.description(), options.tileSize(), new Timings(ms));
    }
  }

  /** Milliseconds of each restored face's paste mask. */
  private static Timings timeParser(FaceParser parser, List<FaceEnhancer.Face> faces, int size) {
    double[] ms = new double[faces.size()];
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      parser.pasteMask(faces.get(i).restored(), size).close();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return new Timings(ms);
  }
}
