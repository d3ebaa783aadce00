package io.gpen.bench;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.api.FaceRestorer;
import io.gpen.api.Restorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Precision;
import io.gpen.onnx.OnnxExport;
import io.gpen.onnx.OnnxRestorer;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.global.torch;

/**
 * Times GPEN inference from 8-bit faces in to 8-bit faces out, after warm-up: on libtorch, in ONNX
 * Runtime (the same model exported to ONNX), or both side by side (each engine's peak memory then
 * counted from its own warm-up); libtorch's fast path in one precision or in fp32 and bf16 side by
 * side. The report gives median and p90 ms per face, faces per second, GFLOP per face, achieved
 * GFLOP/s and its share of the machine's peak (a matrix product timed in the same run, {@link
 * MatmulPeak}, in the run's precision), peak resident memory and threads; with fp32 and bf16 also
 * how far bf16's images are from fp32's ({@link LevelDifference}) on the faces of a folder or the
 * bench's random ones.
 *
 * <pre>{@code
 * InferenceBench.Result r = InferenceBench.run(InferenceBench.Options.builder(BenchModel.random()).iterations(5).build());
 * System.out.print(r.report());
 * }</pre>
 */
public final class InferenceBench {
  private InferenceBench() {}

  /**
   * What to time.
   *
   * @param model the generator and how it runs
   * @param engines the engines to time, one or both
   * @param precisions the precisions libtorch's fast path is timed in, each a run of its own (ONNX
   *     runs fp32)
   * @param qualityFaces with two precisions, the folder of faces their images are compared on;
   *     null: the random faces timed
   * @param batchSize faces per forward pass
   * @param iterations timed passes
   * @param warmup untimed passes first
   * @param seed the seed of the random weights and faces
   */
  public record Options(
      BenchModel model,
      Set<Engine> engines,
      Set<Precision> precisions,
      Path qualityFaces,
      int batchSize,
      int iterations,
      int warmup,
      long seed) {
    public Options {
      Objects.requireNonNull(model, "model");
      engines = Set.copyOf(engines);
      // in declaration order: fp32 first, the baseline the others are compared with
      precisions = Collections.unmodifiableSet(EnumSet.copyOf(precisions));
      if (engines.isEmpty()) {
        throw new IllegalArgumentException("no engine to time");
      }
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      if (iterations < 1) {
        throw BadParameter.of("iterations", "must be at least 1, got " + iterations);
      }
      if (warmup < 0) {
        throw BadParameter.of("warmup", "must be at least 0, got " + warmup);
      }
      if (model.forwardPass() == BenchModel.ForwardPass.REFERENCE
          && !engines.contains(Engine.LIBTORCH)) {
        throw new BadParameter(
            names ->
                names.apply("referencePath")
                    + " times libtorch's reference forward pass;"
                    + " it does not apply to "
                    + names.apply("engines")
                    + " onnx");
      }
      if (model.forwardPass() == BenchModel.ForwardPass.REFERENCE
          && !precisions.equals(EnumSet.of(Precision.FP32))) {
        throw new BadParameter(
            names ->
                names.apply("referencePath")
                    + " times the reference forward pass in fp32;"
                    + " it does not combine with "
                    + names.apply("precisions")
                    + " bf16");
      }
      if (qualityFaces != null && precisions.size() < 2) {
        throw new BadParameter(
            names ->
                names.apply("qualityFaces")
                    + " compares bf16 with fp32: it needs both "
                    + names.apply("precisions"));
      }
    }

    /**
     * Options with the defaults: libtorch in the model's precision, batch 1, 10 timed passes after
     * 2, seed 0.
     */
    public static Builder builder(BenchModel model) {
      return new Builder(model);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final BenchModel model;
      private Set<Engine> engines = EnumSet.of(Engine.LIBTORCH);
      private Set<Precision> precisions;
      private Path qualityFaces;
      private int batchSize = 1;
      private int iterations = 10;
      private int warmup = 2;
      private long seed;

      private Builder(BenchModel model) {
        this.model = model;
        this.precisions = EnumSet.of(model.precision());
      }

      /** The engines to time (default libtorch). */
      public Builder engines(Set<Engine> engines) {
        this.engines = engines;
        return this;
      }

      /**
       * The precisions of libtorch's fast path, timed one after the other (default the model's).
       */
      public Builder precisions(Set<Precision> precisions) {
        this.precisions = precisions;
        return this;
      }

      /**
       * With fp32 and bf16: compare their images on the faces of this folder (default the random
       * faces).
       */
      public Builder qualityFaces(Path folder) {
        this.qualityFaces = folder;
        return this;
      }

      /** Faces per forward pass (default 1). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Timed passes (default 10). */
      public Builder iterations(int iterations) {
        this.iterations = iterations;
        return this;
      }

      /** Untimed passes first (default 2). */
      public Builder warmup(int warmup) {
        this.warmup = warmup;
        return this;
      }

      /** The seed of the random weights and faces (default 0). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      public Options build() {
        return new Options(
            model, engines, precisions, qualityFaces, batchSize, iterations, warmup, seed);
      }
    }
  }

  /**
   * One run's figures.
   *
   * @param label its column in a side-by-side report: the engine, or the precision
   * @param engine what ran and how
   * @param precision the number format of its convolutions
   * @param timings milliseconds per face of each timed pass
   * @param peakBytes the peak resident memory while it ran, or -1 where unknown
   * @param peakGflops the machine's rate in this precision, measured just before ({@link
   *     MatmulPeak})
   */
  public record Run(
      String label,
      String engine,
      Precision precision,
      Timings timings,
      long peakBytes,
      double peakGflops) {}

  /**
   * How far bf16's images are from fp32's.
   *
   * @param faces where the faces came from
   * @param count how many faces
   * @param difference the difference in 8-bit levels
   */
  public record Quality(String faces, int count, LevelDifference difference) {}

  /**
   * The figures.
   *
   * @param machine the CPU and its cores
   * @param config the architecture timed
   * @param weights where the weights came from
   * @param gflop the model's GFLOP per face
   * @param warmup untimed passes before the timed ones
   * @param runs libtorch's runs (one per precision, fp32 first), then ONNX Runtime's
   * @param quality bf16 against fp32, or null where only one precision ran
   */
  public record Result(
      String machine,
      GpenConfig config,
      String weights,
      double gflop,
      int warmup,
      List<Run> runs,
      Quality quality) {
    public Result {
      runs = List.copyOf(runs);
    }

    /** libtorch's first run (fp32 where it ran), or null where libtorch was not timed. */
    public Run libtorch() {
      return runs.stream().filter(r -> !r.label().equals(ONNX_LABEL)).findFirst().orElse(null);
    }

    /** ONNX Runtime's run, or null where it was not timed. */
    public Run onnx() {
      return runs.stream().filter(r -> r.label().equals(ONNX_LABEL)).findFirst().orElse(null);
    }

    /**
     * The report: one run, or the runs side by side; lines ending with the platform's separator.
     */
    public String report() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("machine     %s%n", machine));
      out.append(String.format("model       GPEN %s, %s%n", config.describe(), weights));
      if (runs.size() > 1) {
        sideBySide(out);
      } else {
        one(out, runs.get(0));
      }
      if (quality != null) {
        out.append(
            String.format(
                "quality     bf16 vs fp32 on %d faces (%s): %s%n",
                quality.count(), quality.faces(), quality.difference().describe()));
      }
      return out.toString();
    }

    private void one(StringBuilder out, Run r) {
      Timings t = r.timings();
      double achieved = gflop / t.median() * 1000;
      out.append(String.format("engine      %s%n", r.engine()));
      out.append(
          String.format(
              "per face    median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
              t.median(), t.p90(), t.min(), t.count(), warmup));
      out.append(String.format("throughput  %.2f faces/s%n", 1000.0 / t.median()));
      out.append(
          String.format(
              "arithmetic  %.1f GFLOP per face, %.1f GFLOP/s achieved, %.0f%% of peak%n",
              gflop, achieved, 100 * achieved / r.peakGflops()));
      out.append(
          String.format(
              "peak        %.1f GFLOP/s %s (%s, this run)%n",
              r.peakGflops(), r.precision().label(), PEAK_PROBE));
      out.append(String.format("memory      peak resident %s%n", Machine.megabytes(r.peakBytes())));
    }

    private void sideBySide(StringBuilder out) {
      for (int i = 0; i < runs.size(); i++) {
        out.append(
            String.format(
                "%s%s: %s%n",
                i == 0 ? "engines     " : "            ",
                runs.get(i).label(),
                runs.get(i).engine()));
      }
      out.append(
          String.format(
              "runs        %d after %d warm-up, per run%n", runs.get(0).timings().count(), warmup));
      StringBuilder row = new StringBuilder("%-26s");
      for (int i = 0; i < runs.size(); i++) {
        row.append(" %12s");
      }
      String format = row.append("%n").toString();
      out.append(String.format(format, cells("", r -> r.label())));
      out.append(
          String.format(format, cells("per face    median ms", r -> ms(r.timings().median()))));
      out.append(String.format(format, cells("            p90 ms", r -> ms(r.timings().p90()))));
      out.append(String.format(format, cells("            min ms", r -> ms(r.timings().min()))));
      out.append(
          String.format(
              format,
              cells(
                  "throughput  faces/s",
                  r -> String.format("%.2f", 1000.0 / r.timings().median()))));
      out.append(
          String.format(
              format, cells("arithmetic  GFLOP/face", r -> String.format("%.1f", gflop))));
      out.append(
          String.format(
              format,
              cells(
                  "            GFLOP/s",
                  r -> String.format("%.1f", gflop / r.timings().median() * 1000))));
      out.append(
          String.format(
              format,
              cells(
                  "            % of peak",
                  r ->
                      String.format(
                          "%.0f%%", 100 * gflop / r.timings().median() * 1000 / r.peakGflops()))));
      out.append(
          String.format(
              format,
              cells(
                  "peak        GFLOP/s",
                  r -> String.format("%.1f %s", r.peakGflops(), r.precision().label()))));
      out.append(
          String.format(
              format, cells("memory      peak resident", r -> Machine.megabytes(r.peakBytes()))));
      out.append(String.format("            (peak: %s, this run)%n", PEAK_PROBE));
    }

    private Object[] cells(String heading, Function<Run, String> cell) {
      Object[] cells = new Object[runs.size() + 1];
      cells[0] = heading;
      for (int i = 0; i < runs.size(); i++) {
        cells[i + 1] = cell.apply(runs.get(i));
      }
      return cells;
    }

    private static String ms(double v) {
      return String.format("%.1f", v);
    }
  }

  private static final String ONNX_LABEL = "onnx";

  private static final String PEAK_PROBE = MatmulPeak.SIDE + "\u00b2 matrix product, best of 3";

  /**
   * Times the engines.
   *
   * @throws GpenException naming the file when the weights cannot be had, a face of the quality
   *     folder cannot be read, or the temporary ONNX model cannot be written
   */
  public static Result run(Options options) {
    BenchModel m = options.model();
    boolean libtorch = options.engines().contains(Engine.LIBTORCH);
    boolean onnx = options.engines().contains(Engine.ONNX);
    // each run's peak memory from its own warm-up where another runs in this process
    boolean ownPeak = (libtorch ? options.precisions().size() : 0) + (onnx ? 1 : 0) > 1;
    ModelFiles.LoadedGenerator loaded = m.load(options.seed());
    FullGenerator generator = loaded.model();
    GpenConfig config = generator.config();
    List<Mat> faces = randomFaces(config.size(), options.batchSize(), options.seed());
    boolean compare = libtorch && options.precisions().size() > 1;
    List<Image> qualityImages =
        compare && options.qualityFaces() != null ? readFaces(options.qualityFaces()) : List.of();
    List<Mat> qualityFaces =
        options.qualityFaces() != null ? qualityImages.stream().map(Image::bgr).toList() : faces;
    Map<Precision, List<Mat>> restored = new EnumMap<>(Precision.class);
    Path onnxFile = null;
    try {
      String onnxNote = "";
      if (onnx) {
        onnxFile = Files.createTempFile("gpen-bench-", ".onnx");
        OnnxExport.writeModel(generator, onnxFile, 0);
        onnxNote = String.format(", exported model %.1f MB", Files.size(onnxFile) / 1e6);
      }
      List<Run> runs = new ArrayList<>();
      if (libtorch) {
        boolean first = true;
        for (Precision precision : options.precisions()) {
          // each restorer takes its generator: the others are the same weights drawn (or read)
          // again
          FullGenerator g = first ? generator : m.load(options.seed()).model();
          generator = null;
          first = false;
          try (Restorer restorer = m.withPrecision(precision).restorer(g, options.batchSize())) {
            String what =
                String.format(
                    "libtorch %s, %s, %s, %s, %d threads, batch %d",
                    Machine.libtorchVersion(),
                    m.forwardPass() == BenchModel.ForwardPass.REFERENCE
                        ? "reference forward pass"
                        : "fast path",
                    precision.label(),
                    m.device(),
                    torch.get_num_threads(),
                    options.batchSize());
            String label = options.precisions().size() > 1 ? precision.label() : "libtorch";
            runs.add(time(label, what, precision, restorer, faces, options, ownPeak));
            if (compare) {
              restored.put(precision, restorer.restore(qualityFaces));
            }
          }
        }
      }
      if (generator != null) {
        generator.close();
        generator = null;
      }
      if (onnx) {
        int threads = m.threads() > 0 ? m.threads() : torch.get_num_threads();
        try (OnnxRestorer ort =
            OnnxRestorer.open(onnxFile, m.device(), threads, options.batchSize())) {
          runs.add(
              time(
                  ONNX_LABEL,
                  ort.engine() + ", batch " + options.batchSize() + onnxNote,
                  Precision.FP32,
                  ort,
                  faces,
                  options,
                  ownPeak));
        }
      }
      Quality quality = null;
      if (compare) {
        quality =
            new Quality(
                options.qualityFaces() != null
                    ? options.qualityFaces().toString()
                    : "random pixels",
                qualityFaces.size(),
                LevelDifference.of(restored.get(Precision.FP32), restored.get(Precision.BF16)));
      }
      return new Result(
          Machine.describe(),
          config,
          loaded.note(),
          Flops.generator(config) / 1e9,
          options.warmup(),
          runs,
          quality);
    } catch (IOException e) {
      throw new GpenException(
          "cannot write a temporary ONNX model in "
              + System.getProperty("java.io.tmpdir")
              + ": "
              + AtomicFiles.reason(e),
          e);
    } finally {
      faces.forEach(Mat::close);
      qualityImages.forEach(Image::close);
      restored.values().forEach(list -> list.forEach(Mat::close));
      if (generator != null) {
        generator.close();
      }
      deleteQuietly(onnxFile);
    }
  }

  /** The images of {@code folder}, in name order. */
  private static List<Image> readFaces(Path folder) {
    List<Image> images = new ArrayList<>();
    try {
      for (Path file : Images.list(folder)) {
        images.add(Images.read(file));
      }
    } catch (RuntimeException e) {
      images.forEach(Image::close);
      throw e;
    }
    if (images.isEmpty()) {
      throw new GpenException("no images in " + folder);
    }
    return images;
  }

  /** {@code count} random 8-bit faces of side {@code size} drawn from {@code seed}. */
  private static List<Mat> randomFaces(int size, int count, long seed) {
    List<Mat> faces = new ArrayList<>();
    opencv_core.setRNGSeed((int) seed);
    for (int i = 0; i < count; i++) {
      Mat m = new Mat(size, size, opencv_core.CV_8UC3);
      opencv_core.randu(
          m,
          new Mat(1, 1, opencv_core.CV_64F, new Scalar(0)),
          new Mat(1, 1, opencv_core.CV_64F, new Scalar(256)));
      faces.add(m);
    }
    return faces;
  }

  /**
   * Times one run from 8-bit faces in to 8-bit faces out, after measuring the machine's peak in its
   * precision.
   *
   * @param ownPeak measure the peak resident memory from the warm-up on (another run came before or
   *     comes after in this process) rather than from process start
   */
  private static Run time(
      String label,
      String what,
      Precision precision,
      FaceRestorer restorer,
      List<Mat> faces,
      Options options,
      boolean ownPeak) {
    double peak = MatmulPeak.gflops(precision);
    if (ownPeak) {
      PeakMemory.resetPeak();
    }
    double[] millis = new double[options.iterations()];
    for (int i = -options.warmup(); i < options.iterations(); i++) {
      long t0 = System.nanoTime();
      List<Mat> restored = restorer.restore(faces);
      long t1 = System.nanoTime();
      restored.forEach(Mat::close);
      if (i >= 0) {
        millis[i] = (t1 - t0) / 1e6 / options.batchSize();
      }
    }
    return new Run(
        label, what, precision, new Timings(millis), PeakMemory.peakResidentBytes(), peak);
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a temporary file left behind is harmless
    }
  }
}
