package io.gpen.cli;

import io.gpen.workflow.FolderRestoration;
import io.gpen.workflow.OutputNaming;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen predict}: restore one aligned face image or every image of a folder ({@link FolderRestoration}). */
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
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Option(names = "--img", required = true, paramLabel = "PATH", description = "An aligned face image or a folder of them.")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "PATH",
      description = "Output folder, or for a single image an image file name (.png, .jpg, ...). Default: beside each input.")
  Path output;

  @Option(names = "--batch_size", paramLabel = "B", defaultValue = "1", description = "Faces per forward pass.")
  int batchSize;

  @Override
  public Integer call() {
    FolderRestoration.Result result = FolderRestoration.run(
        FolderRestoration.Options.builder(model.spec(engine.engine), input)
            .output(output)
            .naming(OutputNaming.PREDICT)
            .batchSize(batchSize)
            .build(),
        new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    if (result.folder() || result.skipped() > 0) {
      err.println(Summaries.restored(result.restored(), result.skipped(), result.seconds()));
    }
    err.flush();
    return result.skipped() == 0 ? 0 : 1;
  }
}
