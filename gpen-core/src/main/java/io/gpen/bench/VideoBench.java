package io.gpen.bench;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.parse.FaceParser;
import io.gpen.sr.RealEsrNet;
import io.gpen.sr.RrdbNet;
import io.gpen.video.FacePipeline;
import io.gpen.video.Smoothing;
import io.gpen.video.VideoInfo;
import io.gpen.video.VideoReader;
import io.gpen.video.VideoWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Times the video pipeline on libtorch ({@link FacePipeline}): a whole video decoded, its faces
 * detected, tracked and smoothed, restored, pasted back and the frames encoded (to a temporary
 * file, deleted), in frames per second, after the faces of its first frame were restored once as
 * warm-up. Optionally the faces are pasted under the face parser's masks and every frame is
 * super-resolved first, as {@code gpen restore --mask parse --use_sr} does, with random weights of
 * the official layouts ({@link BenchNetworks}).
 *
 * <pre>{@code
 * VideoBench.Result r = VideoBench.run(VideoBench.Options.builder(BenchModel.random(), Path.of("clip.mp4")).build());
 * System.out.print(r.report());
 * }</pre>
 */
public final class VideoBench {
  private VideoBench() {}

  /**
   * What to time.
   *
   * @param model the generator and how it runs
   * @param video the video
   * @param detector the face detector
   * @param detectorWeights its weights, a file or a model name; null: its default model
   * @param batchSize faces per forward pass
   * @param seed the seed of the random weights
   * @param parseMask whether faces are pasted under the face parser's masks rather than the
   *     rectangle mask
   * @param srScale the scale every frame is super-resolved by (1, 2 or 4), or 0 for none
   * @param tileSize the super-resolution's tile side in input pixels, 0 for whole frames
   */
  public record Options(
      BenchModel model,
      Path video,
      FaceDetectors.Kind detector,
      String detectorWeights,
      int batchSize,
      long seed,
      boolean parseMask,
      int srScale,
      int tileSize) {
    public Options {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(video, "video");
      Objects.requireNonNull(detector, "detector");
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      if (srScale != 0 && !RrdbNet.Layout.isScale(srScale)) {
        throw BadParameter.of("srScale", "must be 1, 2 or 4, got " + srScale);
      }
      if (tileSize < 0) {
        throw BadParameter.of("tileSize", "must be 0 (whole frames) or more, got " + tileSize);
      }
    }

    /**
     * Options with the defaults: RetinaFace, batch 1, seed 0, the rectangle mask, no
     * super-resolution.
     */
    public static Builder builder(BenchModel model, Path video) {
      return new Builder(model, video);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final BenchModel model;
      private final Path video;
      private FaceDetectors.Kind detector = FaceDetectors.Kind.RETINAFACE;
      private String detectorWeights;
      private int batchSize = 1;
      private long seed;
      private boolean parseMask;
      private int srScale;
      private int tileSize;

      private Builder(BenchModel model, Path video) {
        this.model = model;
        this.video = video;
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

      /** The seed of the random weights (default 0). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      /** Whether the faces are pasted under the face parser's masks (default false: rectangles). */
      public Builder parseMask(boolean parseMask) {
        this.parseMask = parseMask;
        return this;
      }

      /**
       * Every frame super-resolved by {@code scale} (1, 2 or 4; 0, the default: none), in tiles of
       * {@code tileSize} input pixels (0: whole frames).
       */
      public Builder superResolution(int scale, int tileSize) {
        this.srScale = scale;
        this.tileSize = tileSize;
        return this;
      }

      public Options build() {
        return new Options(
            model, video, detector, detectorWeights, batchSize, seed, parseMask, srScale, tileSize);
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
   * @param parser what the face parser was, or null where the rectangle mask pasted the faces
   * @param upscaler what the super-resolution was, or null for none
   * @param engine how libtorch ran
   * @param encoder the encoder of the frames
   * @param video the video's name
   * @param info its size, frame rate and codecs (of the input; the output is {@code scale} times
   *     larger)
   * @param scale how many times wider and taller the frames came out
   * @param stats the frames and faces restored
   * @param seconds the time of the whole video
   * @param peakBytes the peak resident memory, or -1 where unknown
   */
  public record Result(
      String machine,
      GpenConfig config,
      String weights,
      String detector,
      String parser,
      String upscaler,
      String engine,
      String encoder,
      String video,
      VideoInfo info,
      int scale,
      FacePipeline.Stats stats,
      double seconds,
      long peakBytes) {
    /** Frames per second over the whole video. */
    public double framesPerSecond() {
      return stats.frames() / seconds;
    }

    /** The report; lines ending with the platform's separator. */
    public String report() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("machine     %s%n", machine));
      out.append(String.format("model       GPEN %s, %s%n", config.describe(), weights));
      out.append(String.format("detector    %s%n", detector));
      if (parser != null) {
        out.append(String.format("parser      %s%n", parser));
      }
      if (upscaler != null) {
        out.append(String.format("upscaler    %s%n", upscaler));
      }
      out.append(String.format("engine      %s%n", engine));
      out.append(
          String.format(
              "video       %s, %dx%d%s, %.3f fps, %d frames, %d faces in %d frames%n",
              video,
              info.width(),
              info.height(),
              scale == 1
                  ? ""
                  : String.format(" -> %dx%d", info.width() * scale, info.height() * scale),
              info.frameRate(),
              stats.frames(),
              stats.faces(),
              stats.framesWithFaces()));
      out.append(
          String.format(
              "whole video %.2f frames/s, %.1f s (decoding, %sdetection, tracking, restoration,"
                  + " %spaste-back, encoding with %s), %.2f s per face%n",
              framesPerSecond(),
              seconds,
              upscaler == null ? "" : "super-resolution x" + scale + ", ",
              parser == null ? "" : "parse mask, ",
              encoder,
              stats.faces() == 0 ? 0.0 : seconds / stats.faces()));
      out.append(String.format("memory      peak resident %s%n", Machine.megabytes(peakBytes)));
      return out.toString();
    }
  }

  /**
   * Times the whole video.
   *
   * @throws GpenException naming the file when the video, the weights or the detector cannot be had
   */
  public static Result run(Options options) {
    BenchModel m = options.model();
    ModelFiles.LoadedGenerator loaded = m.load(options.seed());
    Path encoded;
    try {
      encoded = Files.createTempFile("gpen-bench-", ".mp4");
    } catch (IOException e) {
      throw new GpenException(
          "cannot create a temporary file for the encoded video: " + e.getMessage(), e);
    }
    try (Restorer restorer = m.restorer(loaded.model(), options.batchSize());
        FaceDetector detector = FaceDetectors.open(options.detector(), options.detectorWeights());
        FaceParser parser =
            options.parseMask() ? BenchNetworks.randomParser(options.seed(), m.precision()) : null;
        RealEsrNet upscaler =
            options.srScale() == 0
                ? null
                : BenchNetworks.randomUpscaler(options.srScale(), options.seed(), m.precision());
        FaceEnhancer enhancer = new FaceEnhancer(restorer, 1.0, parser)) {
      warmUp(options.video(), detector, enhancer, upscaler, options.tileSize());
      FacePipeline pipeline =
          new FacePipeline(
              detector,
              restorer,
              enhancer,
              new FacePipeline.Settings(options.batchSize(), 1, Smoothing.DEFAULT),
              upscaler,
              options.tileSize());
      try (VideoReader reader = VideoReader.open(options.video());
          VideoWriter writer =
              VideoWriter.create(encoded, reader, VideoWriter.Encoding.DEFAULT, pipeline.scale())) {
        long t0 = System.nanoTime();
        FacePipeline.Stats stats = pipeline.run(reader, writer, frames -> {});
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(
            Machine.describe(),
            restorer.config(),
            loaded.note(),
            detector.description(),
            parser == null ? null : parser.description(),
            upscaler == null ? null : upscaler.description(),
            m.pipelineEngine(options.batchSize()),
            writer.description(),
            options.video().getFileName().toString(),
            reader.info(),
            pipeline.scale(),
            stats,
            seconds,
            PeakMemory.peakResidentBytes());
      }
    } finally {
      try {
        Files.deleteIfExists(encoded);
      } catch (IOException ignored) {
        // a temporary file left in the system's temporary folder
      }
    }
  }

  /**
   * Restores the faces of the first frame once, and super-resolves a corner of it of at most 64×64
   * pixels: the networks plan their layers for these sizes.
   */
  private static void warmUp(
      Path video, FaceDetector detector, FaceEnhancer enhancer, RealEsrNet upscaler, int tileSize) {
    try (VideoReader reader = VideoReader.open(video)) {
      VideoReader.Item item;
      while ((item = reader.next()) instanceof VideoReader.AudioPacket) {
        item.close();
      }
      if (item instanceof VideoReader.Frame frame) {
        try (frame) {
          Mat bgr = frame.bgr();
          if (upscaler != null) {
            BenchNetworks.warmUp(upscaler, bgr, tileSize);
          }
          enhancer.enhance(bgr, detector.detect(bgr)).close();
        }
      }
    }
  }
}
