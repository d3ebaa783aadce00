package io.gpen.cli;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.bench.BenchModel;
import io.gpen.bench.InferenceBench;
import io.gpen.bench.PhotoBench;
import io.gpen.bench.TrainingBench;
import io.gpen.bench.VideoBench;
import io.gpen.nn.Precision;
import io.gpen.workflow.PhotoRestoration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen bench}: time face restoration and report speed, arithmetic rate and memory ({@link
 * InferenceBench}, {@link PhotoBench} with {@code --photo}, {@link VideoBench} with {@code
 * --video}, {@link TrainingBench} with {@code --train}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Time GPEN inference, with random weights (--size/--mul/--narrow) or given ones (-w), after"
          + " warm-up, from 8-bit image in to 8-bit image out.",
      "Prints median and p90 ms per face, faces per second, model GFLOP per face, achieved GFLOP/s and"
          + " its share of the machine's peak (a 2048\u00b2 matrix product timed in the same run, in the same"
          + " precision), peak resident memory and threads.",
      "--precision both times fp32 and bf16 side by side and compares their images (8-bit levels: mean,"
          + " 99.9th percentile, max) on the faces of --faces, or on the random faces timed.",
      "--engine onnx exports the same model to ONNX and times it in ONNX Runtime; --engine both"
          + " prints the two side by side (each engine's peak memory is then counted from its own"
          + " warm-up).",
      "With --photo, times the photo pipeline instead: face detection (ms) and the whole photo"
          + " (detection, alignment, restoration of every face, paste-back; seconds); with --use_sr"
          + " also the background super-resolution of the photo at x2 and x4 (seconds per input"
          + " megapixel; random weights of the official Real-ESRNet layout, 32 features, 23 blocks);"
          + " with --mask parse the faces are pasted under the face parser's masks, as restore --mask"
          + " parse does, and the parser is timed per face (random weights of ParseNet-latest's"
          + " layout).",
      "With --video, times the video pipeline instead: the whole video decoded, its faces detected,"
          + " tracked, restored and pasted back, and encoded (frames per second); with --use_sr every"
          + " frame is super-resolved first (x--sr_scale, default 2) and with --mask parse the faces"
          + " are pasted under the face parser's masks, as restore does (random weights of the same"
          + " layouts as with --photo).",
      "With --train, times training iterations instead (random weights and faces, the reference's"
          + " losses and schedule): seconds per plain iteration (D step, G step, average update), per R1"
          + " step and per path-length step, and per iteration with both amortised at their frequencies."
    })
public final class BenchCommand implements Callable<Integer> {
  /** The super-resolution scales --use_sr times on a photo where --sr_scale is not given. */
  private static final List<Integer> PHOTO_SR_SCALES = List.of(2, 4);

  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin DetectorOptions detection;

  @Option(
      names = "--photo",
      paramLabel = "PATH",
      description =
          "Time face detection (--iters runs) and the whole-photo restoration (--photo_runs runs) on this photo.")
  Path photo;

  @Option(
      names = "--video",
      paramLabel = "PATH",
      description =
          "Time the restoration of this whole video (decoding to encoding) in frames per second.")
  Path video;

  @Option(
      names = "--photo_runs",
      paramLabel = "N",
      defaultValue = "1",
      description = "Timed whole-photo runs with --photo (after one restored face as warm-up).")
  int photoRuns;

  @Option(
      names = "--use_sr",
      description =
          "With --photo: also time the super-resolution of the photo at x2 and x4 (--photo_runs runs each,"
              + " after one on a 64 px corner). With --video: super-resolve every frame.")
  boolean useSr;

  @Option(
      names = "--sr_scale",
      paramLabel = "S",
      description =
          "With --use_sr: time this scale alone (1, 2 or 4). Default: x2 and x4 with --photo, x2 with"
              + " --video.")
  Integer srScale;

  @Option(
      names = "--mask",
      paramLabel = "MASK",
      defaultValue = "box",
      description =
          "With --photo or --video: box (the rectangle mask) or parse (the face parser's; with --photo"
              + " it is timed per face, and the whole photo then includes it).")
  String mask;

  @Option(
      names = "--tile_size",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "With --use_sr: super-resolve in tiles of N input pixels; 0 runs the whole photo or frame at once.")
  int tileSize;

  @Option(
      names = "--batch_size",
      paramLabel = "B",
      description = "Faces per forward pass. Default: 1, with --train 2.")
  Integer batchSize;

  @Option(
      names = "--iters",
      paramLabel = "N",
      description = "Timed forward passes. Default: 10, with --train 5 iterations.")
  Integer iterations;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "2",
      description = "Untimed passes first (with --train: 1).")
  int warmup;

  @Option(
      names = "--train",
      description =
          "Time training iterations (see above); --size/--mul/--narrow choose both networks.")
  boolean train;

  @Option(
      names = "--identity",
      paramLabel = "NET",
      defaultValue = "arcface",
      description =
          "With --train: the identity loss network, with random weights: arcface (IR-SE50, as the reference),"
              + " mobilefacenet, or none.")
  String identity;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of the random weights and inputs.")
  long seed;

  @Option(
      names = "--reference",
      description =
          "Time the reference forward pass (layer by layer, as the PyTorch original) instead of the fast path.")
  boolean referencePath;

  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "libtorch",
      description =
          "libtorch, onnx (the same model exported to ONNX and run in ONNX Runtime), or both side by side.")
  String engines;

  @Option(
      names = "--precision",
      paramLabel = "P",
      defaultValue = "fp32",
      description =
          "Convolutions in fp32 or bf16 (the latent, styles, demodulation and ToRGB stay fp32), or both"
              + " side by side.")
  String precisions;

  @Option(
      names = "--faces",
      paramLabel = "DIR",
      description =
          "With --precision both: compare bf16's images with fp32's on the faces of this folder.")
  Path qualityFaces;

  @Override
  public Integer call() {
    int batch = batchSize != null ? batchSize : train ? 2 : 1;
    int iters = iterations != null ? iterations : train ? 5 : 10;
    String report;
    if (useSr && photo == null && video == null) {
      throw new GpenException(
          "--use_sr times the super-resolution of a photo or video; give it with --photo or --video");
    }
    if (srScale != null && !useSr) {
      throw new GpenException("--sr_scale applies with --use_sr");
    }
    boolean parseMask = parseMask();
    if (parseMask && photo == null && video == null) {
      throw new GpenException(
          "--mask parse times the face parser on a photo or video; give it with --photo or --video");
    }
    Set<Precision> precisionSet = parsePrecisions();
    if (qualityFaces != null && precisionSet.size() < 2) {
      throw new GpenException("--faces compares bf16 with fp32: give --precision both");
    }
    if (train) {
      if (photo != null
          || video != null
          || referencePath
          || !engines.equals("libtorch")
          || !precisions.equals("fp32")) {
        throw new GpenException(
            "--train times training on libtorch; it does not combine with --photo, --video,"
                + " --reference, --engine or --precision");
      }
      if (model.weights != null) {
        throw new GpenException("bench --train times random weights; -w/--weights does not apply");
      }
      report =
          TrainingBench.run(
                  TrainingBench.Options.builder()
                      .architecture(
                          model.architecture.size,
                          model.architecture.mul,
                          model.architecture.narrow)
                      .identity(TrainingBench.IdentityNetwork.of(identity))
                      .batchSize(batch)
                      .iterations(iters)
                      .seed(seed)
                      .device(model.device)
                      .threads(model.threads)
                      .build())
              .report();
    } else {
      BenchModel generator =
          new BenchModel(
              model.weights,
              model.key,
              model.architecture.overrides().allowingNonFinite(model.allowNonFinite),
              model.device,
              model.threads,
              referencePath ? BenchModel.ForwardPass.REFERENCE : BenchModel.ForwardPass.FAST,
              precisionSet.iterator().next());
      if ((video != null || photo != null) && precisionSet.size() > 1) {
        throw new GpenException(
            "--precision both times the model alone; with --photo or --video give fp32 or bf16");
      }
      if (video != null) {
        if (photo != null) {
          throw new GpenException("--video and --photo time different pipelines: give one of them");
        }
        if (!engines.equals("libtorch")) {
          throw new GpenException(
              "--video times the libtorch pipeline; it does not combine with --engine " + engines);
        }
        report =
            VideoBench.run(
                    VideoBench.Options.builder(generator, video)
                        .detector(detection.detector, detection.detectorWeights)
                        .batchSize(batch)
                        .seed(seed)
                        .parseMask(parseMask)
                        .superResolution(videoSrScale(), tileSize)
                        .build())
                .report();
      } else if (photo != null) {
        if (!engines.equals("libtorch")) {
          throw new GpenException(
              "--photo times the libtorch pipeline; it does not combine with --engine " + engines);
        }
        report =
            PhotoBench.run(
                    PhotoBench.Options.builder(generator, photo)
                        .detector(detection.detector, detection.detectorWeights)
                        .batchSize(batch)
                        .iterations(iters)
                        .warmup(warmup)
                        .photoRuns(photoRuns)
                        .seed(seed)
                        .superResolution(photoSrScales(), tileSize)
                        .parseMask(parseMask)
                        .build())
                .report();
      } else {
        report =
            InferenceBench.run(
                    InferenceBench.Options.builder(generator)
                        .engines(engines())
                        .precisions(precisionSet)
                        .qualityFaces(qualityFaces)
                        .batchSize(batch)
                        .iterations(iters)
                        .warmup(warmup)
                        .seed(seed)
                        .build())
                .report();
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(report);
    out.flush();
    return 0;
  }

  /** The scales --photo's super-resolution is timed at: none without --use_sr. */
  private List<Integer> photoSrScales() {
    if (!useSr) {
      return List.of();
    }
    return srScale != null ? List.of(srScale) : PHOTO_SR_SCALES;
  }

  /**
   * The scale every frame of --video is super-resolved by: 0 without --use_sr, else --sr_scale or
   * restore's default.
   */
  private int videoSrScale() {
    if (!useSr) {
      return 0;
    }
    return srScale != null ? srScale : PhotoRestoration.SuperResolution.DEFAULT_SCALE;
  }

  /** Whether --mask names the face parser's mask rather than the rectangle. */
  private boolean parseMask() {
    return switch (mask) {
      case "parse" -> true;
      case "box" -> false;
      default -> throw new GpenException("--mask must be box or parse, got '" + mask + "'");
    };
  }

  /** The precisions --precision names: one, or fp32 and bf16. */
  private Set<Precision> parsePrecisions() {
    if (precisions.equals("both")) {
      return EnumSet.allOf(Precision.class);
    }
    try {
      return EnumSet.of(Precision.of(precisions));
    } catch (BadParameter e) {
      throw new GpenException("--precision must be fp32, bf16 or both, got '" + precisions + "'");
    }
  }

  /** The engines --engine names. */
  private Set<Engine> engines() {
    return switch (engines) {
      case "libtorch" -> EnumSet.of(Engine.LIBTORCH);
      case "onnx" -> EnumSet.of(Engine.ONNX);
      case "both" -> EnumSet.of(Engine.LIBTORCH, Engine.ONNX);
      default ->
          throw new GpenException("--engine must be libtorch, onnx or both, got '" + engines + "'");
    };
  }
}
