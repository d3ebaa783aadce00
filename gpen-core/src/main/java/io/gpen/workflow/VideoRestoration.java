package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.OutputPaths;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import io.gpen.util.AtomicFiles;
import io.gpen.video.FacePipeline;
import io.gpen.video.Smoothing;
import io.gpen.video.VideoFiles;
import io.gpen.video.VideoInfo;
import io.gpen.video.VideoReader;
import io.gpen.video.VideoWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Restores every face of videos, frame by frame, as {@link PhotoRestoration} does for photos, with
 * the faces tracked and their landmarks smoothed over time so that the restoration does not flicker
 * ({@link FacePipeline}). For each video (a file, or every video directly in a folder, earlier
 * outputs left out) it writes {@code <name>_GPEN.mp4} into the output folder: the same size, frame
 * rate, frames and timestamps, the frames encoded anew ({@link VideoWriter.Encoding}), the sound
 * track copied packet by packet. Where MP4 cannot hold the sound as stored (Vorbis, for one) the
 * file is Matroska, {@code <name>_GPEN.mkv}.
 *
 * <p>The output is written to a hidden temporary file beside it and renamed when complete: a run
 * that fails or is interrupted leaves nothing under the final name. A video in which no face is
 * found is copied unchanged (its streams remuxed, not re-encoded), with a warning; with a part
 * chosen ({@code start}, {@code duration}) its frames are written unchanged. In a folder a video
 * that cannot be read or restored is reported and skipped; a single one is an error.
 *
 * <pre>{@code
 * VideoRestoration.Result r = VideoRestoration.run(
 *     VideoRestoration.Options.builder(ModelSpec.libtorch("GPEN-BFR-512"), Path.of("clip.mp4"), Path.of("results"))
 *         .batchSize(4).build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class VideoRestoration {
  /** What the name of a restored video adds to its input's. */
  public static final String SUFFIX = PhotoRestoration.SUFFIX;

  private VideoRestoration() {}

  /**
   * What to restore and how.
   *
   * @param model the restoration model
   * @param detector the face detector
   * @param detectorWeights the detector's weights, a file or a model name; null: the detector's
   *     default model
   * @param input a video or a folder of videos
   * @param output the folder for the results (created when missing)
   * @param alpha the weight of the restored face against the original one, 0 to 1
   * @param batchSize faces per forward pass (faces of consecutive frames together)
   * @param detectEvery faces are detected every this many frames, and held in between
   * @param smoothing how each face's landmarks are smoothed over time ({@link Smoothing#OFF}: not)
   * @param encoding the encoder of the restored frames and its quality
   * @param start where to start, in seconds from the beginning
   * @param duration how many seconds to restore ({@code Double.POSITIVE_INFINITY}: to the end)
   * @param mask which mask pastes the faces back, as for photos
   * @param parserWeights the face parser's weights, a file or a model name; null: {@value
   *     PhotoRestoration#PARSER_MODEL} where it is cached
   * @param superResolution every frame super-resolved as a photo's background, the faces restored
   *     at the enlarged size (the output is {@code scale} times larger); null: none
   */
  public record Options(
      ModelSpec model,
      FaceDetectors.Kind detector,
      String detectorWeights,
      Path input,
      Path output,
      double alpha,
      int batchSize,
      int detectEvery,
      Smoothing smoothing,
      VideoWriter.Encoding encoding,
      double start,
      double duration,
      PhotoRestoration.Mask mask,
      String parserWeights,
      PhotoRestoration.SuperResolution superResolution) {
    public Options {
      Objects.requireNonNull(mask, "mask");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(detector, "detector");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(smoothing, "smoothing");
      Objects.requireNonNull(encoding, "encoding");
      if (!(alpha >= 0 && alpha <= 1)) {
        throw BadParameter.of("alpha", "must be between 0 and 1, got " + alpha);
      }
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      if (detectEvery < 1) {
        throw BadParameter.of("detectEvery", "must be at least 1, got " + detectEvery);
      }
      if (!(start >= 0) || Double.isInfinite(start)) {
        throw BadParameter.of("start", "must be at least 0 seconds, got " + start);
      }
      if (!(duration > 0)) {
        throw BadParameter.of("duration", "must be above 0 seconds, got " + duration);
      }
    }

    /** Whether only a part of each video is restored. */
    public boolean cut() {
      return start > 0 || Double.isFinite(duration);
    }

    /**
     * Options with the defaults: RetinaFace with its default weights, alpha 1, batch 1, detection
     * on every frame, {@link Smoothing#DEFAULT}, {@link VideoWriter.Encoding#DEFAULT}, whole
     * videos.
     */
    public static Builder builder(ModelSpec model, Path input, Path output) {
      return new Builder(model, input, output);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final ModelSpec model;
      private final Path input;
      private final Path output;
      private FaceDetectors.Kind detector = FaceDetectors.Kind.RETINAFACE;
      private String detectorWeights;
      private double alpha = 1.0;
      private int batchSize = 1;
      private int detectEvery = 1;
      private Smoothing smoothing = Smoothing.DEFAULT;
      private PhotoRestoration.Mask mask = PhotoRestoration.Mask.AUTO;
      private String parserWeights;
      private PhotoRestoration.SuperResolution superResolution;
      private VideoWriter.Encoding encoding = VideoWriter.Encoding.DEFAULT;
      private double start;
      private double duration = Double.POSITIVE_INFINITY;

      private Builder(ModelSpec model, Path input, Path output) {
        this.model = model;
        this.input = input;
        this.output = output;
      }

      /** The face detector and its weights (null: the detector's default model). */
      public Builder detector(FaceDetectors.Kind kind, String weights) {
        this.detector = kind;
        this.detectorWeights = weights;
        return this;
      }

      /** The weight of the restored face against the original one, 0 to 1 (default 1). */
      public Builder alpha(double alpha) {
        this.alpha = alpha;
        return this;
      }

      /** Faces per forward pass (default 1). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Detect faces every this many frames (default 1: every frame). */
      public Builder detectEvery(int frames) {
        this.detectEvery = frames;
        return this;
      }

      /**
       * How landmarks are smoothed over time (default {@link Smoothing#DEFAULT}; {@link
       * Smoothing#OFF}).
       */
      public Builder smoothing(Smoothing smoothing) {
        this.smoothing = smoothing;
        return this;
      }

      /**
       * The encoder and quality of the restored frames (default {@link
       * VideoWriter.Encoding#DEFAULT}).
       */
      public Builder encoding(VideoWriter.Encoding encoding) {
        this.encoding = encoding;
        return this;
      }

      /** Restores {@code duration} seconds from {@code start} (default: all). */
      public Builder part(double start, double duration) {
        this.start = start;
        this.duration = duration;
        return this;
      }

      /** Which mask pastes the faces back (default {@link PhotoRestoration.Mask#AUTO}). */
      public Builder mask(PhotoRestoration.Mask mask) {
        this.mask = mask;
        return this;
      }

      /**
       * The face parser's weights, a file or a model name (default: {@value
       * PhotoRestoration#PARSER_MODEL} where it is cached).
       */
      public Builder parserWeights(String weights) {
        this.parserWeights = weights;
        return this;
      }

      /** Super-resolves every frame (default: none, the video keeps its size). */
      public Builder superResolution(PhotoRestoration.SuperResolution superResolution) {
        this.superResolution = superResolution;
        return this;
      }

      public Options build() {
        return new Options(
            model,
            detector,
            detectorWeights,
            input,
            output,
            alpha,
            batchSize,
            detectEvery,
            smoothing,
            encoding,
            start,
            duration,
            mask,
            parserWeights,
            superResolution);
      }
    }
  }

  /**
   * One video restored.
   *
   * @param input the video read
   * @param output the file written
   * @param stats frames, faces, tracks and flicker ({@link FacePipeline.Stats})
   * @param copied whether no face was found and the video was copied unchanged
   * @param seconds the time it took
   */
  public record Video(
      Path input, Path output, FacePipeline.Stats stats, boolean copied, double seconds) {
    /** Frames per second of the whole run on this video. */
    public double framesPerSecond() {
      return seconds > 0 ? stats.frames() / seconds : Double.NaN;
    }
  }

  /**
   * What was done.
   *
   * @param model what the restoration model was and how it ran
   * @param detector what the detector was
   * @param encoder the encoder and its quality setting
   * @param videos the videos written, in input order
   * @param skipped how many videos of the folder could not be read or restored
   * @param seconds the time from the loaded networks to the last video written
   */
  public record Result(
      String model,
      String detector,
      String encoder,
      List<Video> videos,
      int skipped,
      double seconds) {
    public Result {
      videos = List.copyOf(videos);
    }
  }

  /**
   * Restores the videos. The input, the output folder and the encoder are checked before any
   * network loads.
   *
   * @throws GpenException naming the file or parameter at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    Path input = options.input();
    if (!Files.exists(input)) {
      throw BadParameter.of("input", input + ": no such file or folder");
    }
    if (Files.exists(options.output()) && !Files.isDirectory(options.output())) {
      throw BadParameter.of("output", options.output() + ": not a folder");
    }
    AtomicFiles.requireWritableFolder(options.output());
    String encoder = options.encoding().encoderName();
    boolean folder = Files.isDirectory(input);
    List<Path> videos = folder ? VideoFiles.list(input, SUFFIX) : List.of(input);
    if (videos.isEmpty()) {
      throw BadParameter.of(
          "input",
          input + ": no videos to restore (." + String.join(", .", VideoFiles.EXTENSIONS) + ")");
    }
    // the parser is found as for photos (the same notes where it is wanted but not to be had)
    PhotoPipeline.Settings resolved =
        new PhotoPipeline.Settings(
                options.model(),
                options.detector(),
                options.detectorWeights(),
                options.alpha(),
                PhotoRestoration.Inputs.PHOTOS,
                Set.of(),
                options.batchSize(),
                options.mask(),
                options.parserWeights(),
                options.superResolution())
            .resolve(ModelRegistry.defaultRegistry(), listener);
    try (FaceParser parser =
            resolved.mask() == PhotoRestoration.Mask.PARSE
                ? PhotoPipeline.loadParser(resolved.parserWeights(), options.model().precision())
                : null;
        RealEsrNet upscaler =
            resolved.superResolution() == null
                ? null
                : PhotoPipeline.loadSuperResolution(
                    resolved.superResolution(), options.model().precision());
        FaceRestorer restorer = resolved.model().open(options.batchSize());
        FaceDetector detector = FaceDetectors.open(options.detector(), resolved.detectorWeights());
        FaceEnhancer enhancer = new FaceEnhancer(restorer, options.alpha(), parser)) {
      if (parser != null) {
        listener.info(parser.description());
      }
      if (upscaler != null) {
        listener.info(upscaler.description());
      }
      listener.info(restorer.description());
      listener.info(detector.description());
      FacePipeline pipeline =
          new FacePipeline(
              detector,
              restorer,
              enhancer,
              new FacePipeline.Settings(
                  options.batchSize(), options.detectEvery(), options.smoothing()),
              upscaler,
              resolved.superResolution() == null ? 0 : resolved.superResolution().tileSize());
      long start = System.nanoTime();
      List<Video> done = new ArrayList<>();
      int failed = 0;
      for (Path video : videos) {
        try {
          done.add(restore(options, pipeline, video, listener));
        } catch (GpenException e) {
          if (!folder) {
            throw e;
          }
          listener.warning("skipped " + e.getMessage());
          failed++;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(
          restorer.description(), detector.description(), encoder, done, failed, seconds);
    }
  }

  /** Restores one video into the output folder. */
  private static Video restore(
      Options options, FacePipeline pipeline, Path file, WorkflowListener listener) {
    long start = System.nanoTime();
    int scale = pipeline.scale();
    String name = OutputPaths.stem(file) + SUFFIX;
    try (VideoReader reader = VideoReader.open(file, options.start(), options.duration())) {
      VideoInfo info = reader.info();
      Path target =
          options.output().resolve(name + "." + VideoWriter.extension(reader, options.encoding()));
      FacePipeline.Stats[] stats = new FacePipeline.Stats[1];
      AtomicFiles.write(
          target,
          temp -> {
            try (VideoWriter writer = VideoWriter.create(temp, reader, options.encoding(), scale);
                WorkflowListener.Progress progress = listener.progress(info.frames(), "frame");
                TempFileGuard guard = new TempFileGuard(temp)) {
              listener.info(describe(file, info, scale, target, writer));
              stats[0] = pipeline.run(reader, writer, progress::stepBy);
            }
            if (stats[0].frames() == 0) {
              throw new GpenException(
                  "cannot restore video "
                      + file
                      + ": no frames"
                      + (options.cut()
                          ? String.format(
                              Locale.ROOT,
                              " from %s s for %s s",
                              options.start(),
                              options.duration())
                          : ""));
            }
          });
      Path written = target;
      boolean copied = false;
      if (stats[0].framesWithFaces() == 0) {
        if (scale > 1) {
          listener.warning(
              "no face found in " + file + "; its frames are written super-resolved to " + target);
        } else if (options.cut()) {
          listener.warning(
              "no face found in " + file + "; its frames are written unchanged to " + target);
        } else {
          Path copy = options.output().resolve(name + "." + VideoWriter.copyExtension(reader));
          AtomicFiles.write(copy, temp -> VideoWriter.copy(file, temp));
          if (!copy.equals(target)) {
            Files.deleteIfExists(target);
          }
          written = copy;
          copied = true;
          listener.warning("no face found in " + file + "; copied unchanged to " + copy);
        }
      }
      return new Video(file, written, stats[0], copied, (System.nanoTime() - start) / 1e9);
    } catch (IOException e) {
      throw new GpenException(
          "cannot replace the restored " + file + " by its copy: " + AtomicFiles.reason(e), e);
    }
  }

  private static String describe(
      Path file, VideoInfo info, int scale, Path target, VideoWriter writer) {
    return String.format(
        Locale.ROOT,
        "%s: %dx%d, %.3f fps, %s, %s -> %s%s (%s%s)",
        file,
        info.width(),
        info.height(),
        info.frameRate(),
        info.frames() < 0 ? "frames not counted" : info.frames() + " frames",
        info.hasAudio() ? "sound " + info.audioCodec() + " copied" : "no sound",
        target.getFileName(),
        scale == 1 ? "" : " at " + info.width() * scale + "x" + info.height() * scale,
        writer.description(),
        info.rotation() == 0 ? "" : ", turned upright by " + info.rotation() + " degrees");
  }

  /**
   * Deletes a temporary output if the process is stopped (Ctrl-C) while it is written; on a normal
   * end or a failure {@link AtomicFiles} renames or deletes it.
   */
  private static final class TempFileGuard implements AutoCloseable {
    private final Thread hook;

    TempFileGuard(Path temp) {
      hook =
          new Thread(
              () -> {
                try {
                  Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                  // the process is ending: nothing left to tell
                }
              },
              "gpen-video-cleanup");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    }
  }
}
