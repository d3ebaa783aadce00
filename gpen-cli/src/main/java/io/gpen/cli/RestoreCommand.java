package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.image.Images;
import io.gpen.video.FacePipeline;
import io.gpen.video.Smoothing;
import io.gpen.video.VideoFiles;
import io.gpen.video.VideoWriter;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.VideoRestoration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen restore}: restore every face of a photo or a video, or of a folder of them ({@link
 * PhotoRestoration}, {@link VideoRestoration}).
 */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore the faces of photos: detect faces and their landmarks, align each face, restore it"
          + " with a GPEN model and paste it back under a soft mask (GPEN's face_enhancement.py).",
      "The mask is the face parser's (ParseNet) when --parse_weights are given or ParseNet-latest is in"
          + " the model cache, else the rectangle mask (--mask chooses).",
      "With --use_sr the whole photo is first super-resolved (Real-ESRNet, x--sr_scale) and the faces"
          + " are pasted onto it; with --aligned the restored face is super-resolved.",
      "Writes <name>_GPEN.png (the input's size times --sr_scale; grayscale stays grayscale, alpha is"
          + " kept), <name>.faces.json (boxes, landmarks, scores), with --compare <name>_COMP.jpg (input |"
          + " output) and with --save_faces <name>_faceNN.png and <name>_faceNN_GPEN.png.",
      "A video (mp4, mkv, mov, avi, webm, ...) gives <name>_GPEN.mp4: every frame restored, faces tracked"
          + " and their landmarks smoothed over time, the sound copied unchanged."
    })
public final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin PrecisionOption precision;

  @Mixin DetectorOptions detection;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "PATH",
      description = "A photo, a video, or a folder of them.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "Folder for the results (created when missing).")
  Path output;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      defaultValue = "1.0",
      description = "Weight of the restored face against the original one, 0 to 1.")
  double alpha;

  @Option(
      names = "--aligned",
      description =
          "The inputs are aligned face crops: restore each whole at the model size, without"
              + " detection (no faces.json, no --save_faces).")
  boolean aligned;

  @Option(
      names = "--save_faces",
      description = "Also write each aligned face and its restoration (photos only).")
  boolean saveFaces;

  @Option(
      names = "--compare",
      description = "Also write the input and the output side by side (JPEG).")
  boolean compare;

  @Option(
      names = "--batch_size",
      paramLabel = "B",
      defaultValue = "1",
      description = "Faces per forward pass.")
  int batchSize;

  @Option(
      names = "--mask",
      paramLabel = "MASK",
      defaultValue = "auto",
      description =
          "The paste mask: parse (the face parser's; its weights must be given or cached), box (the"
              + " rectangle mask) or auto (parse where the weights are to be had, else box with a note).")
  PhotoRestoration.Mask mask;

  @Option(
      names = "--parse_weights",
      paramLabel = "PATH|NAME",
      description =
          "Face parser weights (ParseNet): a file or a model name from `gpen models`. Default:"
              + " ParseNet-latest where it is in the cache.")
  String parserWeights;

  @Option(
      names = "--use_sr",
      description = "Super-resolve the background (Real-ESRNet) and paste the faces onto it.")
  boolean useSr;

  @Option(
      names = "--sr_scale",
      paramLabel = "S",
      description =
          "With --use_sr: 1, 2 or 4; picks realesrnet_x<S> when --sr_weights are not given. Default: 2, or"
              + " the scale of --sr_weights.")
  Integer srScale;

  @Option(
      names = "--sr_weights",
      paramLabel = "PATH|NAME",
      description =
          "With --use_sr: the super-resolution network (RRDBNet), a file or a model name from `gpen"
              + " models`. Default: realesrnet_x<--sr_scale> (downloaded when absent).")
  String srWeights;

  @Option(
      names = "--tile_size",
      paramLabel = "N",
      description =
          "With --use_sr: super-resolve in tiles of N input pixels (less memory, seams possible); 0 runs"
              + " the whole photo at once. Default: 0.")
  Integer tileSize;

  @Option(
      names = "--max_pixels",
      paramLabel = "N",
      defaultValue = "120000000",
      description =
          "Photos: refuse a photo of more than N pixels (width x height, read from its header before"
              + " decoding). Default: ${DEFAULT-VALUE}.")
  long maxPixels;

  @Option(
      names = "--video_codec",
      paramLabel = "CODEC",
      defaultValue = "h264",
      description =
          "Videos: the encoder of the restored frames, an FFmpeg encoder or codec name (h264,"
              + " libvpx-vp9, libaom-av1, mpeg4, ...).")
  String videoCodec;

  @Option(
      names = "--crf",
      paramLabel = "Q",
      defaultValue = "23",
      description =
          "Videos: constant quality, lower is better: the encoder's crf (for H.264, a constant"
              + " quantiser of OpenH264).")
  int crf;

  @Option(
      names = "--no_smoothing",
      description =
          "Videos: align every frame's faces as detected, without smoothing their landmarks over time.")
  boolean noSmoothing;

  @Option(
      names = "--detect_every",
      paramLabel = "K",
      defaultValue = "1",
      description = "Videos: detect faces every K frames and hold them in between.")
  int detectEvery;

  @Option(
      names = "--start",
      paramLabel = "SECONDS",
      defaultValue = "0",
      description = "Videos: restore from this time on.")
  double start;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Videos: restore this many seconds (default: to the end).")
  Double duration;

  @Override
  public Integer call() {
    int status = 0;
    boolean folder = Files.isDirectory(input);
    if (folder
        ? !VideoFiles.list(input, VideoRestoration.SUFFIX).isEmpty()
        : VideoFiles.isVideoName(input)) {
      status = restoreVideos();
      if (!folder || !holdsPhotos(input)) {
        return status;
      }
    }
    ModelSpec modelSpec = model.spec(engine.engine).withPrecision(precision.value());
    PhotoRestoration.Result result =
        PhotoRestoration.run(
            PhotoRestoration.Options.builder(modelSpec, input, output)
                .detector(detection.detector, detection.detectorWeights)
                .alpha(alpha)
                .inputs(
                    aligned
                        ? PhotoRestoration.Inputs.ALIGNED_FACES
                        : PhotoRestoration.Inputs.PHOTOS)
                .extra(PhotoRestoration.Extra.COMPARISON, compare)
                .extra(PhotoRestoration.Extra.FACES, saveFaces)
                .batchSize(batchSize)
                .mask(mask)
                .parserWeights(parserWeights)
                .superResolution(superResolution())
                .maxPixels(maxPixels)
                .build(),
            new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        Locale.ROOT,
        "restored %d image(s), %d face(s) in %.1f s (%.2f faces/s)%s%n",
        result.images(),
        result.faces(),
        result.seconds(),
        result.facesPerSecond(),
        result.skipped() > 0 ? ", " + result.skipped() + " skipped" : "");
    err.flush();
    return result.skipped() == 0 ? status : 1;
  }

  private int restoreVideos() {
    ModelSpec modelSpec = model.spec(engine.engine).withPrecision(precision.value());
    VideoRestoration.Result result =
        VideoRestoration.run(
            VideoRestoration.Options.builder(modelSpec, input, output)
                .detector(detection.detector, detection.detectorWeights)
                .alpha(alpha)
                .batchSize(batchSize)
                .detectEvery(detectEvery)
                .smoothing(noSmoothing ? Smoothing.OFF : Smoothing.DEFAULT)
                .mask(mask)
                .parserWeights(parserWeights)
                .superResolution(superResolution())
                .encoding(new VideoWriter.Encoding(videoCodec, crf))
                .part(start, duration == null ? Double.POSITIVE_INFINITY : duration)
                .build(),
            new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    for (VideoRestoration.Video v : result.videos()) {
      FacePipeline.Stats s = v.stats();
      err.printf(
          Locale.ROOT,
          "%s: %d frames (%d with faces, %d face track(s)) at %.2f frames/s; flicker in the faces"
              + " %.2f (input %.2f)%n",
          v.output(),
          s.frames(),
          s.framesWithFaces(),
          s.tracks(),
          v.framesPerSecond(),
          s.flicker(),
          s.inputFlicker());
    }
    err.printf(
        Locale.ROOT,
        "restored %d video(s) in %.1f s%s%n",
        result.videos().size(),
        result.seconds(),
        result.skipped() > 0 ? ", " + result.skipped() + " skipped" : "");
    err.flush();
    return result.skipped() == 0 ? 0 : 1;
  }

  /** The super-resolution --use_sr and its options ask for, or null. */
  private PhotoRestoration.SuperResolution superResolution() {
    if (!useSr) {
      if (srScale != null || srWeights != null || tileSize != null) {
        throw new GpenException("--sr_scale, --sr_weights and --tile_size apply with --use_sr");
      }
      return null;
    }
    return PhotoRestoration.SuperResolution.of(srScale, srWeights, tileSize);
  }

  /** Whether a folder holds photos too (where it cannot be listed, the photo workflow says why). */
  private static boolean holdsPhotos(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.anyMatch(
          p -> Images.isImageName(p) && !p.getFileName().toString().startsWith("."));
    } catch (IOException e) {
      return true;
    }
  }
}
