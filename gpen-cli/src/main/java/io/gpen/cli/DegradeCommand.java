package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.data.Degradation;
import io.gpen.data.DegradationConfig;
import io.gpen.data.FaceDataset;
import io.gpen.image.Images;
import io.gpen.util.AtomicFiles;
import io.gpen.util.ProgressBars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen degrade}: build (low quality, ground truth) test pairs from a folder of faces. */
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

  @Option(names = "--input", required = true, paramLabel = "DIR", description = "Folder of high-quality face images.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder that receives lq/ and hq/.")
  Path output;

  @Option(names = "--size", defaultValue = "256", paramLabel = "N", description = "Side of the written images.")
  int size;

  @Option(names = "--seed", defaultValue = "100", paramLabel = "S", description = "Seed of the degradation.")
  long seed;

  @Option(names = "--flip_prob", defaultValue = "0", paramLabel = "P", description = "Probability of a horizontal flip of a pair.")
  double flipProb;

  @Option(names = "--gray_prob", defaultValue = "0", paramLabel = "P", description = "Probability of a grey pair.")
  double grayProb;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Worker threads. Default: the available cores.")
  Integer threads;

  @Override
  public Integer call() {
    if (size < 1 || size > 4096) {
      throw new GpenException("--size must be 1 to 4096, got " + size);
    }
    if (threads != null && threads < 1) {
      throw new GpenException("--threads must be at least 1, got " + threads);
    }
    // checks --flip_prob and --gray_prob, naming them
    Degradation degradation = new Degradation(
        DegradationConfig.REFERENCE.withFlipProb(flipProb).withGrayProb(grayProb));
    Path in = input.toAbsolutePath().normalize();
    Path out = output.toAbsolutePath().normalize();
    if (out.startsWith(in)) {
      throw new GpenException("--output " + output + " is inside --input " + input
          + ": choose a folder outside it, or later runs would read the pairs as inputs");
    }
    FaceDataset data = FaceDataset.open(input, size);
    List<String> names = outputNames(data);
    Path lqDir = output.resolve("lq");
    Path hqDir = output.resolve("hq");
    createFolder(lqDir);
    createFolder(hqDir);

    PrintWriter err = spec.commandLine().getErr();
    int workers = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long start = System.nanoTime();
    int skipped = 0;
    try (ProgressBar bar = ProgressBars.create("degrade", data.count(), "img")) {
      List<Future<String>> results = new ArrayList<>(data.count());
      for (int i = 0; i < data.count(); i++) {
        int index = i;
        results.add(pool.submit(
            () -> degradeOne(data, degradation, index, lqDir.resolve(names.get(index)),
                hqDir.resolve(names.get(index)))));
      }
      for (Future<String> r : results) {
        String problem = await(r);
        if (problem != null) {
          err.println("gpen degrade: warning: skipped " + problem);
          skipped++;
        }
        bar.step();
      }
    } finally {
      pool.shutdownNow();
      awaitQuietly(pool);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    err.printf("degraded %d image(s) into %s and %s in %.1f s (seed %d)%s%n",
        data.count() - skipped, lqDir, hqDir, seconds, seed,
        skipped > 0 ? ", " + skipped + " skipped" : "");
    err.flush();
    return skipped == 0 ? 0 : 1;
  }

  /**
   * Degrades file {@code index} and writes the pair; returns the reason it was skipped when the
   * file cannot be read, null when written. Failures to write stop the command.
   */
  private String degradeOne(FaceDataset data, Degradation degradation, int index, Path lq, Path hq) {
    try (PointerScope scope = new PointerScope()) {
      Mat hq8;
      try {
        hq8 = data.read(index);
      } catch (GpenException e) {
        return e.getMessage();
      }
      // (seed, epoch 0, index), as FaceLoader's evaluation pass, so both give the same pairs
      Degradation.Params p = degradation.draw(seed, 0, index);
      try (hq8;
          Mat hqFloat = Degradation.toFloat(hq8);
          Degradation.Pair pair = degradation.apply(hqFloat, p);
          Mat lq8 = Degradation.toEightBit(pair.lq());
          Mat gt8 = Degradation.toEightBit(pair.gt())) {
        Images.write(lq, lq8);
        Images.write(hq, gt8);
      }
      return null;
    }
  }

  /** The output name of each input: its relative path with a .png extension. */
  private static List<String> outputNames(FaceDataset data) {
    List<String> names = new ArrayList<>(data.count());
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < data.count(); i++) {
      String name = data.name(i);
      int dot = name.lastIndexOf('.');
      String png = name.substring(0, dot) + ".png";
      String earlier = seen.putIfAbsent(png, name);
      if (earlier != null) {
        throw new GpenException("--input " + data.root() + ": " + earlier + " and " + name
            + " would both be written as " + png + "; rename one");
      }
      names.add(png);
    }
    return names;
  }

  private static void createFolder(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GpenException("cannot create output folder " + dir + ": " + AtomicFiles.reason(e), e);
    }
    if (!Files.isWritable(dir)) {
      throw new GpenException("cannot write to output folder " + dir + ": permission denied");
    }
  }

  private static String await(Future<String> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GpenException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static void awaitQuietly(ExecutorService pool) {
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
