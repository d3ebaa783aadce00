package io.gpen.cli;

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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
      "With --photo, times the photo pipeline instead: face detection (ms) and the whole photo"
          + " (detection, alignment, restoration of every face, paste-back; seconds)."
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

  @Option(names = "--batch_size", paramLabel = "B", defaultValue = "1", description = "Faces per forward pass.")
  int batchSize;

  @Option(names = "--iters", paramLabel = "N", defaultValue = "10", description = "Timed forward passes.")
  int iters;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed passes first.")
  int warmup;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights and inputs.")
  long seed;

  @Option(
      names = "--reference",
      description = "Time the reference forward pass (layer by layer, as the PyTorch original) instead of the fast path.")
  boolean reference;

  @Override
  public Integer call() {
    if (iters < 1 || warmup < 0 || photoRuns < 1) {
      throw new io.gpen.GpenException("--iters and --photo_runs must be at least 1 and --warmup at least 0");
    }
    torch.manual_seed(seed);
    Restorer.Builder builder =
        Restorer.builder().device(model.device).threads(model.threads).batchSize(batchSize).referencePath(reference);
    Restorer restorer;
    String weights;
    if (model.weights == null) {
      GpenConfig config = GpenConfig.of(
          model.size != null ? model.size : 256,
          model.mul != null ? model.mul : 1,
          model.narrow != null ? model.narrow : 0.5);
      restorer = builder.build(new FullGenerator(config));
      weights = "random weights";
    } else {
      restorer = model.restorer().batchSize(batchSize).referencePath(reference).build();
      weights = restorer.description();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (photo != null) {
      try (restorer) {
        benchPhoto(restorer, weights, out);
      }
      return 0;
    }
    try (restorer) {
      int s = restorer.size();
      List<Mat> faces = new ArrayList<>();
      opencv_core.setRNGSeed((int) seed);
      for (int i = 0; i < batchSize; i++) {
        Mat m = new Mat(s, s, opencv_core.CV_8UC3);
        opencv_core.randu(m, new Mat(1, 1, opencv_core.CV_64F, new Scalar(0)), new Mat(1, 1, opencv_core.CV_64F, new Scalar(256)));
        faces.add(m);
      }
      double[] millis = new double[iters];
      for (int i = -warmup; i < iters; i++) {
        long t0 = System.nanoTime();
        List<Mat> restored = restorer.restore(faces);
        long t1 = System.nanoTime();
        restored.forEach(Mat::close);
        if (i >= 0) {
          millis[i] = (t1 - t0) / 1e6 / batchSize;
        }
      }
      faces.forEach(Mat::close);
      Timings t = new Timings(millis);
      double gflop = Flops.generator(restorer.config()) / 1e9;
      out.printf("machine     %s%n", machine());
      out.printf("model       GPEN %s, %s%n", restorer.config().describe(), weights);
      out.printf("engine      libtorch %s, %s, %s, %d threads, batch %d%n",
          libtorchVersion(), reference ? "reference forward pass" : "fast path", model.device,
          torch.get_num_threads(), batchSize);
      out.printf("per face    median %.1f ms, p90 %.1f ms, min %.1f ms (%d runs after %d warm-up)%n",
          t.median(), t.p90(), t.min(), t.count(), warmup);
      out.printf("throughput  %.2f faces/s%n", 1000.0 / t.median());
      out.printf("arithmetic  %.1f GFLOP per face, %.1f GFLOP/s achieved%n", gflop, gflop / t.median() * 1000);
      long peak = PeakMemory.peakResidentBytes();
      out.printf("memory      peak resident %s%n", peak < 0 ? "unknown" : (peak >> 20) + " MB");
      out.flush();
    }
    return 0;
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
