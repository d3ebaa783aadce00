package io.gpen.cli;

import io.gpen.workflow.PhotoRestoration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen restore}: restore every face of a photo (or a folder of photos) in place ({@link PhotoRestoration}). */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Restore the faces of photos: detect faces and their landmarks, align each face, restore it"
          + " with a GPEN model and paste it back under a soft mask (GPEN's face_enhancement.py).",
      "Writes <name>_GPEN.png (the input's size; grayscale stays grayscale, alpha is kept),"
          + " <name>.faces.json (boxes, landmarks, scores), with --compare <name>_COMP.jpg (input |"
          + " output) and with --save_faces <name>_faceNN.png and <name>_faceNN_GPEN.png."
    })
public final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin DetectorOptions detection;

  @Option(names = "--input", required = true, paramLabel = "PATH", description = "A photo or a folder of photos.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for the results (created when missing).")
  Path output;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      defaultValue = "1.0",
      description = "Weight of the restored face against the original one, 0 to 1.")
  double alpha;

  @Option(
      names = "--aligned",
      description = "The inputs are aligned face crops: restore each whole at the model size, without"
          + " detection (no faces.json, no --save_faces).")
  boolean aligned;

  @Option(names = "--save_faces", description = "Also write each aligned face and its restoration (photos only).")
  boolean saveFaces;

  @Option(names = "--compare", description = "Also write the input and the output side by side (JPEG).")
  boolean compare;

  @Option(names = "--batch_size", paramLabel = "B", defaultValue = "1", description = "Faces per forward pass.")
  int batchSize;

  @Override
  public Integer call() {
    PhotoRestoration.Result result = PhotoRestoration.run(
        PhotoRestoration.Options.builder(model.spec(engine.engine), input, output)
            .detector(detection.detector, detection.detectorWeights)
            .alpha(alpha)
            .inputs(aligned ? PhotoRestoration.Inputs.ALIGNED_FACES : PhotoRestoration.Inputs.PHOTOS)
            .extra(PhotoRestoration.Extra.COMPARISON, compare)
            .extra(PhotoRestoration.Extra.FACES, saveFaces)
            .batchSize(batchSize)
            .build(),
        new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    err.printf(Locale.ROOT, "restored %d image(s), %d face(s) in %.1f s%s%n", result.images(), result.faces(),
        result.seconds(), result.skipped() > 0 ? ", " + result.skipped() + " skipped" : "");
    err.flush();
    return result.skipped() == 0 ? 0 : 1;
  }
}
