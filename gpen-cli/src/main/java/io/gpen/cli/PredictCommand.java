package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen predict}: restore one aligned face image or every image of a folder. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore aligned face images with a GPEN model: one image, or every image of a folder.",
      "Each output is <name>_predict.png at the model's size. Grayscale, RGBA (alpha kept) and"
          + " 16-bit inputs are accepted."
    })
public final class PredictCommand implements Callable<Integer> {
  static final String SUFFIX = "_predict";

  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--img", required = true, paramLabel = "PATH", description = "An aligned face image or a folder of them.")
  Path img;

  @Option(
      names = "--output",
      paramLabel = "PATH",
      description = "Output folder, or for a single image an image file name (.png, .jpg, ...). Default: beside each input.")
  Path output;

  @Option(names = "--batch_size", paramLabel = "B", defaultValue = "1", description = "Faces per forward pass.")
  int batchSize;

  @Override
  public Integer call() {
    if (!Files.exists(img)) {
      throw new GpenException("--img " + img + ": no such file or folder");
    }
    boolean folder = Files.isDirectory(img);
    List<Path> inputs = folder ? folderInputs() : List.of(img);
    // an unwritable destination fails now, not after the model has loaded
    AtomicFiles.requireWritableFolder(OutputPaths.forInput(inputs.get(0), folder, output, SUFFIX).toAbsolutePath().getParent());
    PrintWriter err = spec.commandLine().getErr();
    try (Restorer restorer = model.restorer().batchSize(batchSize).build()) {
      err.println(restorer.description());
      err.flush();
      long start = System.nanoTime();
      int failed = 0;
      try (ProgressBar bar = folder ? ProgressBars.create("predict", inputs.size(), "img") : null) {
        for (int i = 0; i < inputs.size(); i += batchSize) {
          List<Path> chunk = inputs.subList(i, Math.min(inputs.size(), i + batchSize));
          failed += restoreChunk(restorer, chunk, folder, err);
          if (bar != null) {
            bar.stepBy(chunk.size());
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int done = inputs.size() - failed;
      if (folder || failed > 0) {
        err.printf("restored %d image(s) in %.1f s%s%n", done, seconds, failed > 0 ? ", " + failed + " skipped" : "");
      }
      err.flush();
      return failed == 0 ? 0 : 1;
    }
  }

  private List<Path> folderInputs() {
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(img)) {
      if (!OutputPaths.stem(p).endsWith(SUFFIX)) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw new GpenException("--img " + img + ": no images to restore (only earlier *" + SUFFIX + " outputs)");
    }
    return all;
  }

  /** Restores one batch; returns how many inputs were skipped. */
  private int restoreChunk(Restorer restorer, List<Path> chunk, boolean folder, PrintWriter err) {
    try (ImageChunk in = new ImageChunk(chunk, 0, folder, "predict", err)) {
      List<Mat> restored = restorer.restore(in.bgr());
      for (int i = 0; i < restored.size(); i++) {
        write(OutputPaths.forInput(in.sources.get(i), folder, output, SUFFIX), restored.get(i), in.images.get(i), restorer.size());
      }
      return in.skipped;
    }
  }

  static void write(Path target, Mat restored, Image source, int size) {
    Mat alpha = source.alpha().map(a -> Images.resize(a, size, size, opencv_imgproc.INTER_LINEAR)).orElse(null);
    try (Image out = new Image(restored, alpha)) {
      Images.write(target, out);
    }
  }

}
