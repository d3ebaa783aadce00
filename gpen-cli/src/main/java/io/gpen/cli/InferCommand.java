package io.gpen.cli;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.gpen.GpenException;
import io.gpen.data.Degradation;
import io.gpen.eval.Evaluation;
import io.gpen.eval.Evaluator;
import io.gpen.eval.Metric;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Loaded;
import io.gpen.onnx.OnnxRestorer;
import io.gpen.registry.ModelRegistry;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen infer}: restore aligned faces with an ONNX model in ONNX Runtime, as the original's
 * {@code infer.py} does with its exported model.
 *
 * <p>With {@code --degrade} (the original's test mode) each input is taken as a high-quality face:
 * it is resized to the model size (area interpolation), degraded with the seeded test degradation
 * ({@link Evaluator#TEST_DEGRADATION}, input i of the sorted list keyed by (seed, 0, i), so a single
 * image is position 0 as in a {@code gpen test} pass), rounded to 8 bits, saved as {@code
 * <output>_lq.png}, and restored; PSNR and FID against the high-quality faces are printed as the
 * original printed them.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore aligned face images with an ONNX model in ONNX Runtime: one image, or every image"
          + " of a folder. Each output is <name>" + InferCommand.SUFFIX + ".png at the model's size.",
      "The model is one written by `gpen export`, or any GPEN ONNX model with one float32 input"
          + " [N,3,S,S] (RGB in [-1,1]) and an output of the same form; a model with a fixed batch"
          + " size gets that many faces per run.",
      "--degrade: treat the inputs as high-quality faces, degrade them first (seeded, as `gpen"
          + " test`), save the degraded input as <name>" + InferCommand.SUFFIX + "_lq.png, and print PSNR (and FID"
          + " with --inception, from 2 images up) of the results against the originals."
    })
public final class InferCommand implements Callable<Integer> {
  static final String SUFFIX = "_predict_infer";

  /** The suffix of the saved degraded inputs, after that of the output they belong to. */
  static final String LQ_SUFFIX = "_lq";

  @Spec CommandSpec spec;

  @Option(names = "--model_file", required = true, paramLabel = "FILE", description = "The ONNX model (model.onnx).")
  Path modelFile;

  @Option(names = "--img", required = true, paramLabel = "PATH", description = "An aligned face image or a folder of them.")
  Path img;

  @Option(
      names = "--output",
      paramLabel = "PATH",
      description = "Output folder, or for a single image an image file name (.png, .jpg, ...). Default: beside each input.")
  Path output;

  @Option(
      names = "--threads",
      paramLabel = "T",
      defaultValue = "0",
      description = "ONNX Runtime intra-op threads; 0 uses its default (one per physical core).")
  int threads;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "cpu",
      description = "cpu, cuda or cuda:N (CUDA needs the onnxruntime_gpu artifact on the class path).")
  String device;

  @Option(
      names = "--batch_size",
      paramLabel = "B",
      defaultValue = "1",
      description = "Faces per run, for models that take any batch size.")
  int batchSize;

  @Option(
      names = "--degrade",
      description = "Degrade each (high-quality) input first, save it as <output>" + LQ_SUFFIX
          + ".png, restore it, and print PSNR and FID against the input.")
  boolean degrade;

  @Option(names = "--seed", defaultValue = "100", paramLabel = "S", description = "Seed of the --degrade degradation.")
  long seed;

  @Option(
      names = "--inception",
      paramLabel = "PATH",
      description = "With --degrade: FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth, or the name "
          + FidInception.REGISTRY_NAME + "); FID needs at least 2 images and runs on the CPU.")
  String inception;

  @Override
  public Integer call() {
    if (!degrade && inception != null) {
      throw new GpenException("--inception applies with --degrade only");
    }
    if (!Files.exists(img)) {
      throw new GpenException("--img " + img + ": no such file or folder");
    }
    boolean folder = Files.isDirectory(img);
    List<Path> inputs = folder ? folderInputs() : List.of(img);
    AtomicFiles.requireWritableFolder(OutputPaths.forInput(inputs.get(0), folder, output, SUFFIX).toAbsolutePath().getParent());
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    // a single image has no FID: its weights are not even loaded
    Loaded<FidInception> fid = inception != null && inputs.size() < 2
        ? Loaded.skipped("FID needs at least 2 images, got " + inputs.size())
        : TestCommand.naming("--inception", () -> FidInception.open(inception, ModelRegistry.defaultRegistry()));
    try (FidInception closedAtEnd = fid.model().orElse(null);
        OnnxRestorer restorer = OnnxRestorer.open(modelFile, device, threads, batchSize)) {
      err.println(restorer.description());
      err.flush();
      Evaluator evaluator = degrade
          ? new Evaluator(Loaded.skipped("not computed by infer"), fid, null, Loaded.skipped("not computed by infer"))
          : null;
      long start = System.nanoTime();
      int failed = 0;
      try (ProgressBar bar = folder ? ProgressBars.create("infer", inputs.size(), "img") : null) {
        for (int i = 0; i < inputs.size(); i += batchSize) {
          List<Path> chunk = inputs.subList(i, Math.min(inputs.size(), i + batchSize));
          failed += restoreChunk(restorer, chunk, i, evaluator, folder, folder ? null : out, err);
          if (bar != null) {
            bar.stepBy(chunk.size());
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (folder || failed > 0) {
        err.printf("restored %d image(s) in %.1f s%s%n", inputs.size() - failed, seconds,
            failed > 0 ? ", " + failed + " skipped" : "");
      }
      if (evaluator != null && evaluator.count() > 0) {
        Evaluation result = evaluator.finish();
        // the original's infer.py printed FID, then PSNR, each after a tab
        out.println("\t" + result.scores(Metric.FID).restored().summary());
        out.println("\t" + result.scores(Metric.PSNR).restored().summary());
      }
      out.flush();
      err.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  /** The folder's images, without earlier outputs of infer and predict. */
  private List<Path> folderInputs() {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(img)) {
      String stem = OutputPaths.stem(p);
      if (!stem.endsWith(SUFFIX) && !stem.endsWith(SUFFIX + LQ_SUFFIX) && !stem.endsWith(PredictCommand.SUFFIX)) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw new GpenException("--img " + img + ": no images to restore (only earlier *" + SUFFIX + ", *"
          + SUFFIX + LQ_SUFFIX + " or *" + PredictCommand.SUFFIX + " outputs)");
    }
    return all;
  }

  /**
   * Restores one chunk; in a folder an unreadable image is skipped with a warning. Returns how many
   * were skipped.
   *
   * @param first the position of the chunk's first input in the sorted list (keys --degrade)
   * @param evaluator scores the chunk with --degrade, else null
   * @param saved where to report each written file (single-image mode), or null
   */
  private int restoreChunk(OnnxRestorer restorer, List<Path> chunk, int first, Evaluator evaluator, boolean folder,
      PrintWriter saved, PrintWriter err) {
    try (PointerScope scope = new PointerScope();
        ImageChunk in = new ImageChunk(chunk, first, folder, "infer", err)) {
      List<Image> images = in.images;
      List<Path> sources = in.sources;
      List<Mat> faces = new ArrayList<>();
      List<Mat> real = new ArrayList<>();
      for (int k = 0; k < images.size(); k++) {
        if (evaluator == null) {
          faces.add(images.get(k).bgr());
        } else {
          Mat[] pair = degraded(images.get(k).bgr(), restorer.size(), in.positions.get(k));
          faces.add(pair[0]);
          real.add(pair[1]);
        }
      }
      List<Mat> restored = restorer.restore(faces);
      if (evaluator != null) {
        // scored before writing: writing a result closes its matrix
        evaluator.add(sources.stream().map(p -> p.getFileName().toString()).toList(), faces, restored, real);
      }
      for (int i = 0; i < restored.size(); i++) {
        Path target = OutputPaths.forInput(sources.get(i), folder, output, SUFFIX);
        if (evaluator != null) {
          Path lq = target.resolveSibling(OutputPaths.stem(target) + LQ_SUFFIX + ".png");
          Images.write(lq, faces.get(i));
          if (saved != null) {
            saved.println("degraded input saved in : " + lq);
          }
        }
        PredictCommand.write(target, restored.get(i), images.get(i), restorer.size());
        if (saved != null) {
          saved.println("result saved in : " + target);
        }
      }
      return in.skipped;
    }
  }

  /**
   * The degraded copy and the ground truth of a high-quality face: resized to size×size with area
   * interpolation (as {@code gpen test} reads its faces), degraded with (seed, 0, position), both
   * rounded to 8 bits. The matrices live in the caller's pointer scope.
   */
  private Mat[] degraded(Mat bgr, int size, int position) {
    Degradation degradation = new Degradation(Evaluator.TEST_DEGRADATION);
    try (Mat hq = Images.resize(bgr, size, size, INTER_AREA);
        Mat hqFloat = Degradation.toFloat(hq);
        Degradation.Pair pair = degradation.apply(hqFloat, degradation.draw(seed, 0, position))) {
      return new Mat[] {Degradation.toEightBit(pair.lq()), Degradation.toEightBit(pair.gt())};
    }
  }
}
