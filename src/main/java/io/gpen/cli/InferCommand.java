package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.onnx.OnnxRestorer;
import io.gpen.util.ProgressBars;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen infer}: restore aligned faces with an ONNX model in ONNX Runtime, as the original's
 * {@code infer.py} does with its exported model.
 *
 * <p>Extension point: the original's {@code --degrade --seed 100} mode (degrade a high-quality
 * image first, then print PSNR, and FID given Inception weights) is added here once the degradation
 * pipeline and the metrics exist: the degraded copy replaces {@code image.bgr()} where the faces of
 * a chunk are gathered in {@code restoreChunk}, and the high-quality image is the reference for
 * the metrics.
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
          + " size gets that many faces per run."
    })
public final class InferCommand implements Callable<Integer> {
  static final String SUFFIX = "_predict_infer";

  @Spec CommandSpec spec;

  @Option(names = "--model_file", required = true, paramLabel = "FILE", description = "The ONNX model (model.onnx).")
  Path modelFile;

  @Option(names = "--img", required = true, paramLabel = "PATH", description = "An aligned face image or a folder of them.")
  Path img;

  @Option(
      names = "--output",
      paramLabel = "PATH",
      description = "Output file (single image) or folder. Default: beside each input.")
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

  @Override
  public Integer call() {
    if (!Files.exists(img)) {
      throw new GpenException("--img " + img + ": no such file or folder");
    }
    boolean folder = Files.isDirectory(img);
    List<Path> inputs = folder ? folderInputs() : List.of(img);
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    try (OnnxRestorer restorer = OnnxRestorer.open(modelFile, device, threads, batchSize)) {
      err.println(restorer.description());
      err.flush();
      long start = System.nanoTime();
      int failed = 0;
      try (ProgressBar bar = folder ? ProgressBars.create("infer", inputs.size(), "img") : null) {
        for (int i = 0; i < inputs.size(); i += batchSize) {
          List<Path> chunk = inputs.subList(i, Math.min(inputs.size(), i + batchSize));
          failed += restoreChunk(restorer, chunk, folder, folder ? null : out, err);
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
      out.flush();
      err.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  /** The folder's images, without earlier outputs of infer and predict. */
  private List<Path> folderInputs() {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(img)) {
      String stem = PredictCommand.stem(p);
      if (!stem.endsWith(SUFFIX) && !stem.endsWith(PredictCommand.SUFFIX)) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw new GpenException("--img " + img + ": no images to restore (only earlier *" + SUFFIX + " or *"
          + PredictCommand.SUFFIX + " outputs)");
    }
    return all;
  }

  /**
   * Restores one chunk; in a folder an unreadable image is skipped with a warning. Returns how many
   * were skipped.
   *
   * @param saved where to report each written file (single-image mode), or null
   */
  private int restoreChunk(OnnxRestorer restorer, List<Path> chunk, boolean folder, PrintWriter saved, PrintWriter err) {
    List<Image> images = new ArrayList<>();
    List<Path> sources = new ArrayList<>();
    int failed = 0;
    try {
      for (Path p : chunk) {
        try {
          images.add(Images.read(p));
          sources.add(p);
        } catch (GpenException e) {
          if (!folder) {
            throw e;
          }
          err.println("gpen infer: warning: skipped " + e.getMessage());
          failed++;
        }
      }
      List<Mat> faces = new ArrayList<>();
      for (Image image : images) {
        faces.add(image.bgr());
      }
      List<Mat> restored = restorer.restore(faces);
      for (int i = 0; i < restored.size(); i++) {
        Path target = PredictCommand.outputFor(sources.get(i), folder, output, SUFFIX);
        PredictCommand.write(target, restored.get(i), images.get(i), restorer.size());
        if (saved != null) {
          saved.println("result saved in : " + target);
        }
      }
    } finally {
      images.forEach(Image::close);
    }
    return failed;
  }
}
