package io.gpen.bench;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.api.FaceRestorer;
import io.gpen.api.Restorer;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.onnx.OnnxExport;
import io.gpen.onnx.OnnxRestorer;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.global.torch;

/**
 * Times GPEN inference from 8-bit faces in to 8-bit faces out, after warm-up: on libtorch, in ONNX
 * Runtime (the same model exported to ONNX), or both side by side (each engine's peak memory then
 * counted from its own warm-up). The report gives median and p90 ms per face, faces per second,
 * GFLOP per face, achieved GFLOP/s, peak resident memory and threads.
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
   * @param batchSize faces per forward pass
   * @param iterations timed passes
   * @param warmup untimed passes first
   * @param seed the seed of the random weights and faces
   */
  public record Options(BenchModel model, Set<Engine> engines, int batchSize, int iterations, int warmup, long seed) {
    public Options {
      Objects.requireNonNull(model, "model");
      engines = Set.copyOf(engines);
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
      if (model.forwardPass() == BenchModel.ForwardPass.REFERENCE && !engines.contains(Engine.LIBTORCH)) {
        throw new BadParameter(names -> names.apply("referencePath") + " times libtorch's reference forward pass;"
            + " it does not apply to " + names.apply("engines") + " onnx");
      }
    }

    /** Options with the defaults: libtorch, batch 1, 10 timed passes after 2, seed 0. */
    public static Builder builder(BenchModel model) {
      return new Builder(model);
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private final BenchModel model;
      private Set<Engine> engines = EnumSet.of(Engine.LIBTORCH);
      private int batchSize = 1;
      private int iterations = 10;
      private int warmup = 2;
      private long seed;

      private Builder(BenchModel model) {
        this.model = model;
      }

      /** The engines to time (default libtorch). */
      public Builder engines(Set<Engine> engines) {
        this.engines = engines;
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
        return new Options(model, engines, batchSize, iterations, warmup, seed);
      }
    }
  }

  /**
   * One engine's figures.
   *
   * @param engine what ran and how
   * @param timings milliseconds per face of each timed pass
   * @param peakBytes the peak resident memory while it ran, or -1 where unknown
   */
  public record Run(String engine, Timings timings, long peakBytes) {}

  /**
   * The figures.
   *
   * @param machine the CPU and its cores
   * @param config the architecture timed
   * @param weights where the weights came from
   * @param gflop the model's GFLOP per face
   * @param warmup untimed passes before the timed ones
   * @param libtorch libtorch's figures, or null where it was not timed
   * @param onnx ONNX Runtime's figures, or null where it was not timed
   */
  public record Result(String machine, GpenConfig config, String weights, double gflop, int warmup, Run libtorch, Run onnx) {
    /** The report: one engine, or both side by side; lines ending with the platform's separator. */
    public String report() {
      StringBuilder out = new StringBuilder();
      out.append(String.format("machine     %s%n", machine));
      out.append(String.format("model       GPEN %s, %s%n", config.describe(), weights));
      if (libtorch != null && onnx != null) {
        sideBySide(out);
      } else {
        one(out, libtorch != null ? libtorch : onnx);
      }
      return out.toString();
    }

    private void one(StringBuilder out, Run r) {
      Timings t = r.timings();
      out.append(String.format("engine      %s%n", r.engine()));
      out.append(String.format("per face    median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
          t.median(), t.p90(), t.min(), t.count(), warmup));
      out.append(String.format("throughput  %.2f faces/s%n", 1000.0 / t.median()));
      out.append(String.format("arithmetic  %.1f GFLOP per face, %.1f GFLOP/s achieved%n", gflop, gflop / t.median() * 1000));
      out.append(String.format("memory      peak resident %s%n", Machine.megabytes(r.peakBytes())));
    }

    private void sideBySide(StringBuilder out) {
      Timings x = libtorch.timings();
      Timings y = onnx.timings();
      out.append(String.format("engines     libtorch: %s%n", libtorch.engine()));
      out.append(String.format("            onnx: %s%n", onnx.engine()));
      out.append(String.format("runs        %d after %d warm-up, per engine%n", x.count(), warmup));
      String row = "%-26s %12s %12s%n";
      out.append(String.format(row, "", "libtorch", "onnx"));
      out.append(String.format(row, "per face    median ms", ms(x.median()), ms(y.median())));
      out.append(String.format(row, "            p90 ms", ms(x.p90()), ms(y.p90())));
      out.append(String.format(row, "            min ms", ms(x.min()), ms(y.min())));
      out.append(String.format(row, "throughput  faces/s", String.format("%.2f", 1000.0 / x.median()),
          String.format("%.2f", 1000.0 / y.median())));
      out.append(String.format(row, "arithmetic  GFLOP/face", String.format("%.1f", gflop), String.format("%.1f", gflop)));
      out.append(String.format(row, "            GFLOP/s", String.format("%.1f", gflop / x.median() * 1000),
          String.format("%.1f", gflop / y.median() * 1000)));
      out.append(String.format(row, "memory      peak resident", Machine.megabytes(libtorch.peakBytes()),
          Machine.megabytes(onnx.peakBytes())));
    }

    private static String ms(double v) {
      return String.format("%.1f", v);
    }
  }

  /**
   * Times the engines.
   *
   * @throws GpenException naming the file when the weights cannot be had, or the temporary ONNX
   *     model cannot be written
   */
  public static Result run(Options options) {
    BenchModel m = options.model();
    boolean libtorch = options.engines().contains(Engine.LIBTORCH);
    boolean onnx = options.engines().contains(Engine.ONNX);
    boolean both = libtorch && onnx;
    ModelFiles.LoadedGenerator loaded = m.load(options.seed());
    FullGenerator generator = loaded.model();
    GpenConfig config = generator.config();
    List<Mat> faces = randomFaces(config.size(), options.batchSize(), options.seed());
    Path onnxFile = null;
    try {
      String onnxNote = "";
      if (onnx) {
        onnxFile = Files.createTempFile("gpen-bench-", ".onnx");
        OnnxExport.writeModel(generator, onnxFile, 0);
        onnxNote = String.format(", exported model %.1f MB", Files.size(onnxFile) / 1e6);
      }
      Run torchRun = null;
      if (libtorch) {
        try (Restorer restorer = Restorer.builder()
            .device(m.device())
            .threads(m.threads())
            .batchSize(options.batchSize())
            .referencePath(m.forwardPass() == BenchModel.ForwardPass.REFERENCE)
            .build(generator)) {
          generator = null;
          String what = String.format("libtorch %s, %s, %s, %d threads, batch %d", Machine.libtorchVersion(),
              m.forwardPass() == BenchModel.ForwardPass.REFERENCE ? "reference forward pass" : "fast path", m.device(),
              torch.get_num_threads(), options.batchSize());
          torchRun = time(what, restorer, faces, options, both);
        }
      } else {
        generator.close();
        generator = null;
      }
      Run onnxRun = null;
      if (onnx) {
        int threads = m.threads() > 0 ? m.threads() : torch.get_num_threads();
        try (OnnxRestorer ort = OnnxRestorer.open(onnxFile, m.device(), threads, options.batchSize())) {
          onnxRun = time(ort.engine() + ", batch " + options.batchSize() + onnxNote, ort, faces, options, both);
        }
      }
      return new Result(Machine.describe(), config, loaded.note(), Flops.generator(config) / 1e9, options.warmup(),
          torchRun, onnxRun);
    } catch (IOException e) {
      throw new GpenException("cannot write a temporary ONNX model in " + System.getProperty("java.io.tmpdir") + ": "
          + AtomicFiles.reason(e), e);
    } finally {
      faces.forEach(Mat::close);
      if (generator != null) {
        generator.close();
      }
      deleteQuietly(onnxFile);
    }
  }

  /** {@code count} random 8-bit faces of side {@code size} drawn from {@code seed}. */
  private static List<Mat> randomFaces(int size, int count, long seed) {
    List<Mat> faces = new ArrayList<>();
    opencv_core.setRNGSeed((int) seed);
    for (int i = 0; i < count; i++) {
      Mat m = new Mat(size, size, opencv_core.CV_8UC3);
      opencv_core.randu(m, new Mat(1, 1, opencv_core.CV_64F, new Scalar(0)), new Mat(1, 1, opencv_core.CV_64F, new Scalar(256)));
      faces.add(m);
    }
    return faces;
  }

  /**
   * Times one engine from 8-bit faces in to 8-bit faces out.
   *
   * @param ownPeak measure the peak resident memory from the warm-up on (another engine ran before
   *     or runs after in this process) rather than from process start
   */
  private static Run time(String what, FaceRestorer restorer, List<Mat> faces, Options options, boolean ownPeak) {
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
    return new Run(what, new Timings(millis), PeakMemory.peakResidentBytes());
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
