package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.api.Restorer;
import io.gpen.bench.Flops;
import io.gpen.bench.PeakMemory;
import io.gpen.bench.Timings;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceEnhancer;
import io.gpen.face.FaceRestorer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.onnx.OnnxExport;
import io.gpen.onnx.OnnxRestorer;
import io.gpen.registry.ModelRegistry;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpen bench}: time face restoration and report speed, arithmetic rate and memory. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Time GPEN inference, with random weights (--size/--mul/--narrow) or given ones (-w), after"
          + " warm-up, from 8-bit image in to 8-bit image out.",
      "Prints median and p90 ms per face, faces per second, model GFLOP per face, achieved GFLOP/s,"
          + " peak resident memory and threads.",
      "--engine onnx exports the same model to ONNX and times it in ONNX Runtime; --engine both"
          + " prints the two side by side (each engine's peak memory is then counted from its own"
          + " warm-up).",
      "With --photo, times the photo pipeline instead: face detection (ms) and the whole photo"
          + " (detection, alignment, restoration of every face, paste-back; seconds).",
      "With --train, times training iterations instead (random weights and faces, the reference's"
          + " losses and schedule): seconds per plain iteration (D step, G step, average update), per R1"
          + " step and per path-length step, and per iteration with both amortised at their frequencies."
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin DetectorOptions detection;

  @Option(
      names = "--photo",
      paramLabel = "PATH",
      description = "Time face detection (--iters runs) and the whole-photo restoration (--photo_runs runs) on this photo.")
  Path photo;

  @Option(
      names = "--photo_runs",
      paramLabel = "N",
      defaultValue = "1",
      description = "Timed whole-photo runs with --photo (after one restored face as warm-up).")
  int photoRuns;

  @Option(names = "--batch_size", paramLabel = "B", description = "Faces per forward pass. Default: 1, with --train 2.")
  Integer batchSizeOption;

  @Option(names = "--iters", paramLabel = "N", description = "Timed forward passes. Default: 10, with --train 5 iterations.")
  Integer itersOption;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed passes first (with --train: 1).")
  int warmup;

  @Option(names = "--train", description = "Time training iterations (see above); --size/--mul/--narrow choose both networks.")
  boolean train;

  @Option(
      names = "--identity",
      paramLabel = "NET",
      defaultValue = "arcface",
      description = "With --train: the identity loss network, with random weights: arcface (IR-SE50, as the reference),"
          + " mobilefacenet, or none.")
  String identity;

  private int batchSize;
  private int iters;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights and inputs.")
  long seed;

  @Option(
      names = "--reference",
      description = "Time the reference forward pass (layer by layer, as the PyTorch original) instead of the fast path.")
  boolean reference;

  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "libtorch",
      description = "libtorch, onnx (the same model exported to ONNX and run in ONNX Runtime), or both side by side.")
  String engine;

  /** One engine's figures: what ran, its timings and the peak resident memory while it ran. */
  private record Run(String engine, Timings timings, long peakBytes) {}

  @Override
  public Integer call() {
    batchSize = batchSizeOption != null ? batchSizeOption : train ? 2 : 1;
    iters = itersOption != null ? itersOption : train ? 5 : 10;
    if (batchSize < 1) {
      throw new GpenException("--batch_size must be at least 1, got " + batchSize);
    }
    if (train) {
      if (iters < 1) {
        throw new GpenException("--iters must be at least 1");
      }
      if (photo != null || reference || !engine.equals("libtorch")) {
        throw new GpenException("--train times training on libtorch; it does not combine with --photo, --reference or --engine");
      }
      new TrainingBench(spec.commandLine().getOut(), model, batchSize, iters, seed, identity).run();
      return 0;
    }
    if (iters < 1 || warmup < 0 || photoRuns < 1) {
      throw new GpenException("--iters and --photo_runs must be at least 1 and --warmup at least 0");
    }
    boolean libtorch = engine.equals("libtorch") || engine.equals("both");
    boolean onnx = engine.equals("onnx") || engine.equals("both");
    if (!libtorch && !onnx) {
      throw new GpenException("--engine must be libtorch, onnx or both, got '" + engine + "'");
    }
    if (reference && !libtorch) {
      throw new GpenException("--reference times libtorch's reference forward pass; it does not apply to --engine onnx");
    }
    Restorer.Builder builder =
        Restorer.builder().device(model.device).threads(model.threads).batchSize(batchSize).referencePath(reference);
    torch.manual_seed(seed);
    FullGenerator generator;
    String weights;
    if (model.weights == null) {
      GpenConfig config = GpenConfig.of(
          model.size != null ? model.size : 256,
          model.mul != null ? model.mul : 1,
          model.narrow != null ? model.narrow : 0.5);
      generator = new FullGenerator(config);
      weights = "random weights";
    } else {
      Path file = ModelRegistry.defaultRegistry().resolve(model.requireWeights());
      ModelFiles.LoadedGenerator loaded =
          ModelFiles.loadGenerator(file, model.key, new ModelFiles.Overrides(model.size, model.mul, model.narrow));
      generator = loaded.model();
      weights = loaded.note();
    }
    GpenConfig config = generator.config();
    if (photo != null) {
      if (!engine.equals("libtorch")) {
        generator.close();
        throw new GpenException("--photo times the libtorch pipeline; it does not combine with --engine " + engine);
      }
      try (Restorer restorer = builder.build(generator)) {
        benchPhoto(restorer, weights, spec.commandLine().getOut());
      }
      return 0;
    }
    List<Mat> faces = randomFaces(config.size());
    Path onnxFile = null;
    try {
      String onnxNote = "";
      if (onnx) {
        onnxFile = Files.createTempFile("gpen-bench-", ".onnx");
        OnnxExport.writeModel(generator, onnxFile, 0);
        onnxNote = String.format(", exported model %.1f MB", Files.size(onnxFile) / 1e6);
      }
      boolean both = libtorch && onnx;
      Run torchRun = null;
      if (libtorch) {
        try (Restorer restorer = builder.build(generator)) {
          generator = null;
          String what = String.format("libtorch %s, %s, %s, %d threads, batch %d", libtorchVersion(),
              reference ? "reference forward pass" : "fast path", model.device, torch.get_num_threads(), batchSize);
          torchRun = time(what, restorer::restore, faces, both);
        }
      } else {
        generator.close();
        generator = null;
      }
      Run onnxRun = null;
      if (onnx) {
        int threads = model.threads > 0 ? model.threads : torch.get_num_threads();
        try (OnnxRestorer ort = OnnxRestorer.open(onnxFile, model.device, threads, batchSize)) {
          onnxRun = time(ort.engine() + ", batch " + batchSize + onnxNote, ort::restore, faces, both);
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf("machine     %s%n", machine());
      out.printf("model       GPEN %s, %s%n", config.describe(), weights);
      double gflop = Flops.generator(config) / 1e9;
      if (both) {
        printSideBySide(out, torchRun, onnxRun, gflop);
      } else {
        printOne(out, libtorch ? torchRun : onnxRun, gflop);
      }
      out.flush();
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
    return 0;
  }

  private List<Mat> randomFaces(int s) {
    List<Mat> faces = new ArrayList<>();
    opencv_core.setRNGSeed((int) seed);
    for (int i = 0; i < batchSize; i++) {
      Mat m = new Mat(s, s, opencv_core.CV_8UC3);
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
  private Run time(String what, Function<List<Mat>, List<Mat>> restore, List<Mat> faces, boolean ownPeak) {
    if (ownPeak) {
      PeakMemory.resetPeak();
    }
    double[] millis = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      long t0 = System.nanoTime();
      List<Mat> restored = restore.apply(faces);
      long t1 = System.nanoTime();
      restored.forEach(Mat::close);
      if (i >= 0) {
        millis[i] = (t1 - t0) / 1e6 / batchSize;
      }
    }
    return new Run(what, new Timings(millis), PeakMemory.peakResidentBytes());
  }

  private void printOne(PrintWriter out, Run r, double gflop) {
    Timings t = r.timings();
    out.printf("engine      %s%n", r.engine());
    out.printf("per face    median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
        t.median(), t.p90(), t.min(), t.count(), warmup);
    out.printf("throughput  %.2f faces/s%n", 1000.0 / t.median());
    out.printf("arithmetic  %.1f GFLOP per face, %.1f GFLOP/s achieved%n", gflop, gflop / t.median() * 1000);
    out.printf("memory      peak resident %s%n", megabytes(r.peakBytes()));
  }

  private void printSideBySide(PrintWriter out, Run a, Run b, double gflop) {
    Timings x = a.timings();
    Timings y = b.timings();
    out.printf("engines     libtorch: %s%n", a.engine());
    out.printf("            onnx: %s%n", b.engine());
    out.printf("runs        %d after %d warm-up, per engine%n", x.count(), warmup);
    String row = "%-26s %12s %12s%n";
    out.printf(row, "", "libtorch", "onnx");
    out.printf(row, "per face    median ms", ms(x.median()), ms(y.median()));
    out.printf(row, "            p90 ms", ms(x.p90()), ms(y.p90()));
    out.printf(row, "            min ms", ms(x.min()), ms(y.min()));
    out.printf(row, "throughput  faces/s", String.format("%.2f", 1000.0 / x.median()), String.format("%.2f", 1000.0 / y.median()));
    out.printf(row, "arithmetic  GFLOP/face", String.format("%.1f", gflop), String.format("%.1f", gflop));
    out.printf(row, "            GFLOP/s", String.format("%.1f", gflop / x.median() * 1000), String.format("%.1f", gflop / y.median() * 1000));
    out.printf(row, "memory      peak resident", megabytes(a.peakBytes()), megabytes(b.peakBytes()));
  }

  private static String ms(double v) {
    return String.format("%.1f", v);
  }

  private static String megabytes(long bytes) {
    return bytes < 0 ? "unknown" : (bytes >> 20) + " MB";
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

  /** Times detection and the whole photo pipeline on {@link #photo}. */
  private void benchPhoto(Restorer restorer, String weights, PrintWriter out) {
    try (Image image = Images.read(photo);
        FaceDetector detector = detection.open();
        FaceEnhancer enhancer = new FaceEnhancer(FaceRestorer.of(restorer), 1.0)) {
      Mat bgr = image.bgr();
      List<DetectedFace> faces = List.of();
      double[] detectMs = new double[iters];
      for (int i = -warmup; i < iters; i++) {
        long t0 = System.nanoTime();
        faces = detector.detect(bgr);
        if (i >= 0) {
          detectMs[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      if (warmup > 0 && !faces.isEmpty()) {
        enhancer.enhance(bgr, faces.subList(0, 1)).close();
      }
      double[] photoMs = new double[photoRuns];
      for (int i = 0; i < photoRuns; i++) {
        long t0 = System.nanoTime();
        try (FaceEnhancer.Result r = enhancer.enhance(bgr, detector.detect(bgr))) {
          photoMs[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      Timings d = new Timings(detectMs);
      Timings p = new Timings(photoMs);
      out.printf("machine     %s%n", machine());
      out.printf("model       GPEN %s, %s%n", restorer.config().describe(), weights);
      out.printf("detector    %s%n", detector.description());
      out.printf("engine      libtorch %s, %s, %d threads, batch %d%n",
          libtorchVersion(), model.device, torch.get_num_threads(), batchSize);
      out.printf("photo       %s, %dx%d, %d faces%n", photo.getFileName(), image.width(), image.height(), faces.size());
      out.printf("detection   median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
          d.median(), d.p90(), d.min(), d.count(), warmup);
      out.printf("whole photo median %.2f s, min %.2f s (%d run%s: detection, alignment, restoration,"
          + " paste-back), %.2f s per face%n", p.median() / 1000, p.min() / 1000, p.count(),
          p.count() == 1 ? "" : "s", faces.isEmpty() ? 0.0 : p.median() / 1000 / faces.size());
      long peak = PeakMemory.peakResidentBytes();
      out.printf("memory      peak resident %s%n", peak < 0 ? "unknown" : (peak >> 20) + " MB");
      out.flush();
    }
  }

  /** The org.bytedeco:pytorch version on the class path, e.g. "2.10.0-1.5.13". */
  static String libtorchVersion() {
    String v = torch.class.getPackage().getImplementationVersion();
    return v == null ? "(version unknown)" : v;
  }

  /** CPU model and core count, for the record. */
  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // not Linux: keep the placeholder
    }
    return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores";
  }
}
