package io.gpen.cli;

import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.OutputNaming;
import io.gpen.workflow.Task;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen predict}: restore one aligned face image or every image of a folder ({@link
 * FolderRestoration}).
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore aligned face images with a GPEN model: one image, or every image of a folder.",
      "Each output is <name>_predict.png at the model's size. Grayscale, RGBA (alpha kept) and"
          + " 16-bit inputs are accepted.",
      "--task runs a model trained for another task of the reference demo: colorization (the output"
          + " keeps the input's size and luma where the sizes differ), inpainting (the missing parts,"
          + " from --mask or --strokes, are painted white first and the painted input is written as"
          + " <name>_masked.png), seg2face (a face from a segmentation map; values in [0, 1])."
    })
public final class PredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin PrecisionOption precision;

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
      names = "--batch_size",
      paramLabel = "B",
      defaultValue = "1",
      description = "Faces per forward pass.")
  int batchSize;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      defaultValue = "enhancement",
      description = "What the model does: ${COMPLETION-CANDIDATES}.")
  Task task;

  @Option(
      names = "--mask",
      paramLabel = "PATH",
      description =
          "With --task inpainting: a mask image whose white pixels are missing in every face.")
  Path holeMask;

  @Option(
      names = "--strokes",
      paramLabel = "SEED",
      description =
          "With --task inpainting: paint the demo's random brush strokes (1-3 strokes, 8-27 vertices,"
              + " 12-79 px wide), drawn as after numpy.random.seed(SEED), a new mask per face.")
  Long strokeSeed;

  @Override
  public Integer call() {
    ModelSpec modelSpec = model.spec(engine.engine).withPrecision(precision.value());
    FolderRestoration.Options.Builder options =
        FolderRestoration.Options.builder(modelSpec, input)
            .output(output)
            .naming(OutputNaming.PREDICT)
            .batchSize(batchSize)
            .task(task)
            .holes(holeMask);
    if (strokeSeed != null) {
      options.strokes(strokeSeed);
    }
    FolderRestoration.Result result =
        FolderRestoration.run(options.build(), new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    if (result.folder() || result.skipped() > 0) {
      err.println(Summaries.restored(result.restored(), result.skipped(), result.seconds()));
    }
    err.flush();
    return result.skipped() == 0 ? 0 : 1;
  }
}
