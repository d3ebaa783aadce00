package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.data.Degradation;
import io.gpen.data.DegradationConfig;
import io.gpen.data.FaceDataset;
import io.gpen.image.Images;
import io.gpen.util.AtomicFiles;
import io.gpen.util.Futures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Builds (low quality, ground truth) test pairs from a folder of faces (and its subfolders) with
 * GPEN's degradation (blur, downsampling, noise, JPEG), written as PNG: {@code
 * <output>/lq/<name>.png} and {@code <output>/hq/<name>.png}, the names and subfolders of the
 * inputs. hq is the input resized with area interpolation (then flipped or made grey when drawn);
 * lq is its degraded copy.
 *
 * <p>Image i is degraded with (seed, 0, i), as an evaluation pass degrades it, so the same seed and
 * files give byte-identical pairs with any number of threads. An unreadable image is reported and
 * skipped.
 *
 * <pre>{@code
 * FolderDegradation.Result r = FolderDegradation.run(
 *     FolderDegradation.Options.builder(Path.of("photos"), Path.of("testset")).size(256).build(),
 *     WorkflowListener.SILENT);
 * }</pre>
 */
public final class FolderDegradation {
  private FolderDegradation() {}

  /**
   * What to degrade and how.
   *
   * @param input the folder of high-quality faces
   * @param output the folder that receives {@code lq/} and {@code hq/}, outside the input
   * @param size the side of the written images, 1 to 4096
   * @param seed the seed of the degradation
   * @param degradation the degradation (by default the reference's without flip and grayscale, as
   *     suits a test set)
   * @param threads worker threads, at least 1
   */
  public record Options(
      Path input, Path output, int size, long seed, DegradationConfig degradation, int threads) {
    public Options {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(degradation, "degradation");
      if (size < 1 || size > 4096) {
        throw BadParameter.of("size", "must be 1 to 4096, got " + size);
      }
      if (threads < 1) {
        throw BadParameter.of("threads", "must be at least 1, got " + threads);
      }
    }

    /**
     * Options with the defaults: size 256, seed 100, no flip or grayscale, one thread per available
     * core.
     */
    public static Builder builder(Path input, Path output) {
      return new Builder(input, output);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final Path input;
      private final Path output;
      private int size = 256;
      private long seed = 100;
      private double flipProb;
      private double grayProb;
      private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

      private Builder(Path input, Path output) {
        this.input = input;
        this.output = output;
      }

      /** The side of the written images (default 256). */
      public Builder size(int size) {
        this.size = size;
        return this;
      }

      /** The seed of the degradation (default 100). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      /** The probability of a horizontal flip of a pair (default 0). */
      public Builder flipProb(double p) {
        this.flipProb = p;
        return this;
      }

      /** The probability of a grey pair (default 0). */
      public Builder grayProb(double p) {
        this.grayProb = p;
        return this;
      }

      /** Worker threads (default: the available cores). */
      public Builder threads(int threads) {
        this.threads = threads;
        return this;
      }

      /**
       * @throws GpenException naming the setting that is out of range
       */
      public Options build() {
        return new Options(
            input,
            output,
            size,
            seed,
            DegradationConfig.REFERENCE.withFlipProb(flipProb).withGrayProb(grayProb),
            threads);
      }
    }
  }

  /**
   * What was done.
   *
   * @param degraded how many pairs were written
   * @param skipped how many images could not be read
   * @param lqDir the folder of the degraded images
   * @param hqDir the folder of the ground truths
   * @param seconds the time the pairs took
   */
  public record Result(int degraded, int skipped, Path lqDir, Path hqDir, double seconds) {}

  /**
   * Degrades the folder's images. The folders are checked before any image is read.
   *
   * @throws GpenException naming the folder or file at fault
   */
  public static Result run(Options options, WorkflowListener listener) {
    Path input = options.input();
    Path output = options.output();
    if (output.toAbsolutePath().normalize().startsWith(input.toAbsolutePath().normalize())) {
      throw new BadParameter(
          names ->
              names.apply("output")
                  + " "
                  + output
                  + " is inside "
                  + names.apply("input")
                  + " "
                  + input
                  + ": choose a folder outside it, or later runs would read the pairs as inputs");
    }
    FaceDataset data = FaceDataset.open(input, options.size());
    List<String> names = outputNames(data);
    Path lqDir = output.resolve("lq");
    Path hqDir = output.resolve("hq");
    createFolder(lqDir);
    createFolder(hqDir);

    Degradation degradation = new Degradation(options.degradation());
    ExecutorService pool = Executors.newFixedThreadPool(options.threads());
    long start = System.nanoTime();
    int skipped = 0;
    try (WorkflowListener.Progress progress = listener.progress(data.count())) {
      List<Future<String>> results = new ArrayList<>(data.count());
      for (int i = 0; i < data.count(); i++) {
        int index = i;
        results.add(
            pool.submit(
                () ->
                    degradeOne(
                        data,
                        degradation,
                        options.seed(),
                        index,
                        lqDir.resolve(names.get(index)),
                        hqDir.resolve(names.get(index)))));
      }
      for (Future<String> r : results) {
        String problem = await(r);
        if (problem != null) {
          listener.warning("skipped " + problem);
          skipped++;
        }
        progress.stepBy(1);
      }
    } finally {
      pool.shutdownNow();
      awaitQuietly(pool);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(data.count() - skipped, skipped, lqDir, hqDir, seconds);
  }

  /**
   * Degrades file {@code index} and writes the pair; returns the reason it was skipped when the
   * file cannot be read, null when written. Failures to write stop the run.
   */
  private static String degradeOne(
      FaceDataset data, Degradation degradation, long seed, int index, Path lq, Path hq) {
    try (PointerScope scope = new PointerScope()) {
      Mat hq8;
      try {
        hq8 = data.read(index);
      } catch (GpenException e) {
        return e.getMessage();
      }
      // (seed, epoch 0, index), as FaceLoader's evaluation pass, so both give the same pairs
      try (hq8;
          Degradation.Pair pair =
              degradation.applyEightBit(hq8, degradation.draw(seed, 0, index))) {
        Images.write(lq, pair.lq());
        Images.write(hq, pair.gt());
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
        throw BadParameter.of(
            "input",
            data.root()
                + ": "
                + earlier
                + " and "
                + name
                + " would both be written as "
                + png
                + "; rename one");
      }
      names.add(png);
    }
    return names;
  }

  private static void createFolder(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GpenException(
          "cannot create output folder " + dir + ": " + AtomicFiles.reason(e), e);
    }
    if (!Files.isWritable(dir)) {
      throw new GpenException("cannot write to output folder " + dir + ": permission denied");
    }
  }

  private static String await(Future<String> f) {
    try {
      return Futures.get(f);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GpenException("interrupted", e);
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
