package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.bench.PeakMemory;
import io.gpen.bench.Timings;
import io.gpen.identity.ArcFaceIrSe50;
import io.gpen.identity.FaceEmbedder;
import io.gpen.identity.MobileFaceNet;
import io.gpen.nn.CpuThreads;
import io.gpen.nn.Tensors;
import io.gpen.train.TrainConfig;
import io.gpen.train.Trainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code gpen bench --train}: times training iterations of {@link Trainer} with random weights and
 * random faces, the reference's losses and schedule. The first iteration (both regularisers,
 * first-touch allocation) is a warm-up; the timed ones restart at iteration 0, so the R1 and
 * path-length steps run where the reference runs them.
 */
final class TrainingBench {
  private final PrintWriter out;
  private final ModelOptions model;
  private final int batchSize;
  private final int iters;
  private final long seed;
  private final String identity;

  TrainingBench(PrintWriter out, ModelOptions model, int batchSize, int iters, long seed, String identity) {
    this.out = out;
    this.model = model;
    this.batchSize = batchSize;
    this.iters = iters;
    this.seed = seed;
    this.identity = identity;
  }

  void run() {
    if (model.weights != null) {
      throw new GpenException("bench --train times random weights; -w/--weights does not apply");
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("size", model.size != null ? model.size : 256);
    settings.put("mul", model.mul != null ? model.mul : 1);
    settings.put("narrow", model.narrow != null ? model.narrow : 0.5);
    settings.put("batch_size", batchSize);
    settings.put("seed", seed);
    settings.put("device", model.device);
    settings.put("threads", model.threads);
    TrainConfig config = TrainConfig.resolve(null, settings);
    CpuThreads.configure(config.threads());
    List<Trainer.Timing> timed = new ArrayList<>();
    String idName;
    try (FaceEmbedder net = embedder()) {
      idName = net == null ? "off" : net.name() + " (random weights)";
      try (PointerScope scope = new PointerScope();
          Trainer trainer = Trainer.create(config, net, note -> {})) {
        int s = config.size();
        torch.manual_seed(seed);
        Tensor lq = torch.rand(batchSize, 3, s, s).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
        Tensor gt = torch.rand(batchSize, 3, s, s).mul_(Tensors.scalar(2)).sub_(Tensors.scalar(1));
        trainer.step(lq, gt);
        trainer.setIteration(0);
        for (int i = 0; i < iters; i++) {
          timed.add(trainer.step(lq, gt).timing());
        }
      }
    }
    report(config, idName, timed);
  }

  private static double[] millis(List<Trainer.Timing> timed, java.util.function.ToDoubleFunction<Trainer.Timing> seconds) {
    return timed.stream().mapToDouble(t -> seconds.applyAsDouble(t) * 1000).toArray();
  }

  private FaceEmbedder embedder() {
    return switch (identity) {
      case "arcface" -> new ArcFaceIrSe50();
      case "mobilefacenet" -> new MobileFaceNet();
      case "none" -> null;
      default -> throw new GpenException("--identity must be arcface, mobilefacenet or none, got '" + identity + "'");
    };
  }

  private void report(TrainConfig config, String idName, List<Trainer.Timing> timed) {
    double[] plain = millis(timed, t -> t.d() + t.g() + t.ema());
    double plainSeconds = new Timings(plain).median() / 1000;
    out.printf("machine      %s%n", BenchCommand.machine());
    out.printf("training     GPEN %s (generator and discriminator), batch %d, random weights and faces%n",
        config.model().describe(), config.batchSize());
    out.printf("             identity loss %s; libtorch %s, %s, %d threads%n",
        idName, BenchCommand.libtorchVersion(), config.device(), torch.get_num_threads());
    out.printf("iteration    %.2f s plain (D step %.2f s, G step %.2f s), median of %d after 1 warm-up%n",
        plainSeconds, new Timings(millis(timed, Trainer.Timing::d)).median() / 1000,
        new Timings(millis(timed, Trainer.Timing::g)).median() / 1000, plain.length);
    double amortised = plainSeconds;
    double[] r1 = millis(timed.stream().filter(t -> t.r1() > 0).toList(), Trainer.Timing::r1);
    if (r1.length > 0) {
      double m = new Timings(r1).median() / 1000;
      amortised += m / config.dRegEvery();
      out.printf("R1 step      %.2f s, every %d iterations (median of %d)%n", m, config.dRegEvery(), r1.length);
    }
    double[] path = millis(timed.stream().filter(t -> t.path() > 0).toList(), Trainer.Timing::path);
    if (path.length > 0) {
      double m = new Timings(path).median() / 1000;
      amortised += m / config.gRegEvery();
      out.printf("path step    %.2f s, every %d iterations (median of %d)%n", m, config.gRegEvery(), path.length);
    }
    out.printf("amortised    %.2f s per iteration (plain + R1/%d + path/%d)%n",
        amortised, config.dRegEvery(), config.gRegEvery());
    long peak = PeakMemory.peakResidentBytes();
    out.printf("memory       peak resident %s%n", peak < 0 ? "unknown" : (peak >> 20) + " MB");
    out.flush();
  }
}
