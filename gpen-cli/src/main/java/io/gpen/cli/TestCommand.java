package io.gpen.cli;

import io.gpen.metrics.FidInception;
import io.gpen.metrics.Lpips;
import io.gpen.workflow.FolderEvaluation;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen test}: degrade a folder of high-quality faces with the seeded test degradation,
 * restore them, and score the degraded inputs and the restored faces against the real ones ({@link
 * FolderEvaluation}).
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Evaluate a GPEN model on a folder of high-quality aligned faces (searched recursively,"
          + " sorted): each face is resized to the model size (area interpolation), degraded with"
          + " the seeded test degradation (as `gpen degrade`: blur, downsampling, noise, JPEG; no flip"
          + " or grayscale), rounded to 8 bits and restored. The same seed and files give the same"
          + " numbers.",
      "Prints a table of PSNR, SSIM, LPIPS, FID and identity similarity for the degraded inputs and"
          + " for the restored faces, both against the real faces, and writes metrics.json; with"
          + " --save_dir also each triplet (low quality | restored | real) and an index.html showing"
          + " them. A metric whose weights are not given is skipped with the reason.",
      "Exit status 1 when an image could not be read (it is left out of the scores)."
    })
public final class TestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin EngineOption engine;

  @Mixin PrecisionOption precision;

  @Option(
      names = "--test_path",
      required = true,
      paramLabel = "DIR",
      description = "Folder of high-quality aligned face images.")
  Path input;

  @Option(
      names = "--seed",
      defaultValue = "100",
      paramLabel = "S",
      description = "Seed of the degradation.")
  long seed;

  @Option(
      names = "--batch_size",
      defaultValue = "4",
      paramLabel = "B",
      description = "Faces per forward pass and per scoring batch.")
  int batchSize;

  @Option(
      names = "--inception",
      paramLabel = "PATH",
      description =
          "FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth, or the name "
              + FidInception.REGISTRY_NAME
              + "). Without it FID is skipped.")
  String inception;

  @Option(
      names = "--fid_stats",
      paramLabel = "FILE",
      description =
          "FID statistics of the real faces: reused when the file exists, else computed and"
              + " saved there. They depend on the folder and the model size.")
  Path fidStatistics;

  @Option(
      names = "--lpips",
      paramLabel = "PATH",
      description =
          "LPIPS v0.1 AlexNet linear heads (alex.pth, or the name "
              + Lpips.HEADS_REGISTRY_NAME
              + "). Without it LPIPS is skipped.")
  String lpips;

  @Option(
      names = "--lpips_trunk",
      paramLabel = "PATH",
      defaultValue = Lpips.TRUNK_REGISTRY_NAME,
      description = "torchvision AlexNet weights (alexnet-owt-7be5be79.pth) for LPIPS.")
  String lpipsTrunk;

  @Option(
      names = "--id_weights",
      paramLabel = "PATH",
      description =
          "Face embedding network for the identity similarity: ArcFace IR-SE50"
              + " (model_ir_se50.pth, or the name ArcFace-IR-SE50) or MobileFaceNet. Without it the"
              + " identity similarity is skipped.")
  String identityWeights;

  @Option(
      names = "--save_dir",
      paramLabel = "DIR",
      description =
          "Write the triplets ("
              + FolderEvaluation.TRIPLETS
              + "/<name>.png), index.html and "
              + FolderEvaluation.METRICS_FILE
              + " here.")
  Path saveDir;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description =
          "Where metrics.json goes. Default: <save_dir>/"
              + FolderEvaluation.METRICS_FILE
              + " with --save_dir, else ./"
              + FolderEvaluation.METRICS_FILE
              + ".")
  Path metricsFile;

  @Override
  public Integer call() {
    Path metrics =
        metricsFile != null
            ? metricsFile
            : saveDir != null
                ? saveDir.resolve(FolderEvaluation.METRICS_FILE)
                : Path.of(FolderEvaluation.METRICS_FILE);
    FolderEvaluation.Result result =
        FolderEvaluation.run(
            FolderEvaluation.Options.builder(
                    model.spec(engine.engine).withPrecision(precision.value()), input)
                .seed(seed)
                .batchSize(batchSize)
                .inception(inception)
                .fidStatistics(fidStatistics)
                .lpips(lpips)
                .lpipsTrunk(lpipsTrunk)
                .identityWeights(identityWeights)
                .saveDir(saveDir)
                .metricsFile(metrics)
                .build(),
            new CommandListener(spec));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.println(result.summary());
    out.print(
        result.evaluation().table(Charset.defaultCharset().newEncoder().canEncode("\u2191\u2193")));
    out.println("metrics saved in " + result.metricsFile());
    if (result.page() != null) {
      out.println(
          "triplets (low quality | restored | real) in "
              + result.tripletFolder()
              + ", page "
              + result.page());
    }
    err.printf("evaluated %d image(s) in %.1f s%n", result.evaluation().count(), result.seconds());
    out.flush();
    err.flush();
    return result.unreadable() == 0 ? 0 : 1;
  }
}
