package io.gpen.cli;

import io.gpen.workflow.FolderDegradation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpen degrade}: build (low quality, ground truth) test pairs from a folder of faces ({@link
 * FolderDegradation}).
 */
@Command(
    name = "degrade",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Degrade every face image of a folder (and its subfolders) with GPEN's training degradation"
          + " (blur, downsampling, noise, JPEG) and write the pairs as PNG: <output>/lq/<name>.png"
          + " and <output>/hq/<name>.png, the names and subfolders of the inputs.",
      "hq is the input resized to --size with area interpolation (then flipped or made grey when"
          + " drawn); lq is its degraded copy. The same seed and files give the same bytes.",
      "Flip and grayscale are off by default, as suits a test set; training uses 0.5 and 0.2."
    })
public final class DegradeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "DIR",
      description = "Folder of high-quality face images.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "Folder that receives lq/ and hq/.")
  Path output;

  @Option(
      names = "--size",
      defaultValue = "256",
      paramLabel = "N",
      description = "Side of the written images.")
  int size;

  @Option(
      names = "--seed",
      defaultValue = "100",
      paramLabel = "S",
      description = "Seed of the degradation.")
  long seed;

  @Option(
      names = "--flip_prob",
      defaultValue = "0",
      paramLabel = "P",
      description = "Probability of a horizontal flip of a pair.")
  double flipProb;

  @Option(
      names = "--gray_prob",
      defaultValue = "0",
      paramLabel = "P",
      description = "Probability of a grey pair.")
  double grayProb;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Worker threads. Default: the available cores.")
  Integer threads;

  @Override
  public Integer call() {
    FolderDegradation.Options.Builder options =
        FolderDegradation.Options.builder(input, output)
            .size(size)
            .seed(seed)
            .flipProb(flipProb)
            .grayProb(grayProb);
    if (threads != null) {
      options.threads(threads);
    }
    FolderDegradation.Result result =
        FolderDegradation.run(options.build(), new CommandListener(spec));
    PrintWriter err = spec.commandLine().getErr();
    err.printf(
        "degraded %d image(s) into %s and %s in %.1f s (seed %d)%s%n",
        result.degraded(),
        result.lqDir(),
        result.hqDir(),
        result.seconds(),
        seed,
        result.skipped() > 0 ? ", " + result.skipped() + " skipped" : "");
    err.flush();
    return result.skipped() == 0 ? 0 : 1;
  }
}
