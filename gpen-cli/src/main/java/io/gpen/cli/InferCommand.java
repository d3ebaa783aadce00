package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.eval.Evaluation;
import io.gpen.eval.Metric;
import io.gpen.metrics.FidInception;
import io.gpen.workflow.FolderEvaluation;
import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.OutputNaming;
import io.gpen.workflow.WrittenFace;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen infer}: restore aligned faces with an ONNX model in ONNX Runtime, as the original's
 * {@code infer.py} does with its exported model ({@link FolderRestoration}).
 *
 * <p>With {@code --degrade} (the original's test mode) each input is taken as a high-quality face,
 * degraded, saved as {@code <output>_lq.png} and restored, and PSNR and FID against the
 * high-quality faces are printed as the original printed them: the evaluation of {@code gpen test}
 * ({@link FolderEvaluation}), input i of the sorted list keyed by (seed, 0, i), so a single image
 * is position 0 as in a {@code gpen test} pass.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore aligned face images with an ONNX model in ONNX Runtime: one image, or every image"
          + " of a folder. Each output is <name>_predict_infer.png at the model's size.",
      "The model is one written by `gpen export`, or any GPEN ONNX model with one float32 input"
          + " [N,3,S,S] (RGB in [-1,1]) and an output of the same form; a model with a fixed batch"
          + " size gets that many faces per run.",
      "--degrade: treat the inputs as high-quality faces, degrade them first (seeded, as `gpen"
          + " test`), save the degraded input as <name>_predict_infer_lq.png, and print PSNR (and FID"
          + " with --inception, from 2 images up) of the results against the originals."
    })
public final class InferCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model_file",
      required = true,
      paramLabel = "FILE",
      description = "The ONNX model (model.onnx).")
  Path weights;

  @Option(
      names = "--img",
      required = true,
      paramLabel = "PATH",
      description = "An aligned face image or a folder of them.")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "PATH",
      description =
          "Output folder, or for a single image an image file name (.png, .jpg, ...). Default: beside each input.")
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
      description =
          "cpu, cuda or cuda:N (CUDA needs the onnxruntime_gpu artifact on the class path).")
  String device;

  @Option(
      names = "--batch_size",
      paramLabel = "B",
      defaultValue = "1",
      description = "Faces per run, for models that take any batch size.")
  int batchSize;

  @Option(
      names = "--degrade",
      description =
          "Degrade each (high-quality) input first, save it as <output>_lq.png, restore it, and print PSNR"
              + " and FID against the input.")
  boolean degrade;

  @Option(
      names = "--seed",
      defaultValue = "100",
      paramLabel = "S",
      description = "Seed of the --degrade degradation.")
  long seed;

  @Option(
      names = "--inception",
      paramLabel = "PATH",
      description =
          "With --degrade: FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth, or the name "
              + FidInception.REGISTRY_NAME
              + "); FID needs at least 2 images and runs on the CPU.")
  String inception;

  @Override
  public Integer call() {
    if (!degrade && inception != null) {
      throw new GpenException("--inception applies with --degrade only");
    }
    ModelSpec model = ModelSpec.onnx(weights).withDevice(device).withThreads(threads);
    return degrade ? evaluate(model) : restore(model);
  }

  private int restore(ModelSpec model) {
    FolderRestoration.Result result =
        FolderRestoration.run(
            FolderRestoration.Options.builder(model, input)
                .output(output)
                .naming(OutputNaming.INFER)
                .batchSize(batchSize)
                .build(),
            new CommandListener(spec));
    PrintWriter out = spec.commandLine().getOut();
    if (!result.folder()) {
      for (WrittenFace w : result.written()) {
        out.println("result saved in : " + w.restored());
      }
    }
    return finish(result.folder(), result.restored(), result.skipped(), result.seconds());
  }

  private int evaluate(ModelSpec model) {
    FolderEvaluation.Result result =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(model, input)
                .seed(seed)
                .batchSize(batchSize)
                .inception(inception)
                .restoredImages(OutputNaming.INFER, output)
                .build(),
            new CommandListener(spec));
    PrintWriter out = spec.commandLine().getOut();
    boolean folder = Files.isDirectory(input);
    if (!folder) {
      for (WrittenFace w : result.written()) {
        out.println("degraded input saved in : " + w.degraded());
        out.println("result saved in : " + w.restored());
      }
    }
    Evaluation evaluation = result.evaluation();
    int code = finish(folder, evaluation.count(), result.unreadable(), result.seconds());
    if (evaluation.count() > 0) {
      // the original's infer.py printed FID, then PSNR, each after a tab
      out.println("\t" + evaluation.scores(Metric.FID).restored().summary());
      out.println("\t" + evaluation.scores(Metric.PSNR).restored().summary());
    }
    out.flush();
    return code;
  }

  /** Prints the closing line for a folder or after skipped images; returns the exit status. */
  private int finish(boolean folder, int restored, int skipped, double seconds) {
    PrintWriter err = spec.commandLine().getErr();
    if (folder || skipped > 0) {
      err.println(Summaries.restored(restored, skipped, seconds));
    }
    spec.commandLine().getOut().flush();
    err.flush();
    return skipped == 0 ? 0 : 1;
  }
}
