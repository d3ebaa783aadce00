package io.gpen.bench;

import io.gpen.BadParameter;
import io.gpen.identity.ArcFaceIrSe50;
import io.gpen.identity.FaceEmbedder;
import io.gpen.identity.MobileFaceNet;
import io.gpen.model.ModelFiles;
import io.gpen.nn.CpuThreads;
import io.gpen.nn.Tensors;
import io.gpen.train.TrainConfig;
import io.gpen.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Times training iterations of {@link Trainer} with random weights and random faces, the
 * reference's losses and schedule: seconds per plain iteration (D step, G step, average update),
 * per R1 step and per path-length step, and per iteration with both amortised at their frequencies.
 * The first iteration (both regularisers, first-touch allocation) is a warm-up; the timed ones
 * restart at iteration 0, so the R1 and path-length steps run where the reference runs them.
 *
 * <pre>{@code
 * TrainingBench.Result r = TrainingBench.run(TrainingBench.Options.builder().architecture(64, 1, 0.25).build());
 * System.out.print(r.report());
 * }</pre>
 */
public final class TrainingBench {
  private TrainingBench() {}

  /** The identity loss network, with random weights. */
  public enum IdentityNetwork {
    /** ArcFace IR-SE50, as the reference. */
    ARCFACE,
    MOBILEFACENET,
    /** No identity loss. */
    NONE;

    /** The network called {@code name}: {@code arcface}, {@code mobilefacenet} or {@code none}. */
    public static IdentityNetwork of(String name) {
      return switch (name) {
        case "arcface" -> ARCFACE;
        case "mobilefacenet" -> MOBILEFACENET;
        case "none" -> NONE;
        default ->
            throw BadParameter.of(
                "identity", "must be arcface, mobilefacenet or none, got '" + name + "'");
      };
    }

    /** A network with random weights, or null for none. */
    FaceEmbedder create() {
      return switch (this) {
        case ARCFACE -> new ArcFaceIrSe50();
        case MOBILEFACENET -> new MobileFaceNet();
        case NONE -> null;
      };
    }
  }

  /**
   * What to time.
   *
   * @param architecture the architecture of both networks (settings left null: size 256, channel
   *     multiplier 1, narrow 0.5)
   * @param identity the identity loss network
   * @param batchSize faces per iteration
   * @param iterations timed iterations
   * @param seed the seed of the random weights and faces
   * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
   * @param threads libtorch CPU threads; 0 for every core
   */
  public record Options(
      ModelFiles.Overrides architecture,
      IdentityNetwork identity,
      int batchSize,
      int iterations,
      long seed,
      String device,
      int threads) {
    public Options {
      Objects.requireNonNull(architecture, "architecture");
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(device, "device");
      if (iterations < 1) {
        throw BadParameter.of("iterations", "must be at least 1, got " + iterations);
      }
    }

    /**
     * Options with the defaults: GPEN-256 (mul 1, narrow 0.5), ArcFace, batch 2, 5 iterations, seed
     * 0, CPU.
     */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private ModelFiles.Overrides architecture = ModelFiles.Overrides.NONE;
      private IdentityNetwork identity = IdentityNetwork.ARCFACE;
      private int batchSize = 2;
      private int iterations = 5;
      private long seed;
      private String device = "cpu";
      private int threads;

      private Builder() {}

      /** The architecture; settings left null keep size 256, channel multiplier 1, narrow 0.5. */
      public Builder architecture(Integer size, Integer channelMultiplier, Double narrow) {
        this.architecture = new ModelFiles.Overrides(size, channelMultiplier, narrow);
        return this;
      }

      /** The identity loss network (default ArcFace IR-SE50). */
      public Builder identity(IdentityNetwork identity) {
        this.identity = identity;
        return this;
      }

      /** Faces per iteration (default 2). */
      public Builder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Timed iterations (default 5). */
      public Builder iterations(int iterations) {
        this.iterations = iterations;
        return this;
      }

      /** The seed of the random weights and faces (default 0). */
      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      /** {@code cpu} (default), {@code cuda} or {@code cuda:N}. */
      public Builder device(String device) {
        this.device = device;
        return this;
      }

      /** libtorch CPU threads; 0 (default) for every core. */
      public Builder threads(int threads) {
        this.threads = threads;
        return this;
      }

      public Options build() {
        return new Options(architecture, identity, batchSize, iterations, seed, device, threads);
      }
    }
  }

  /**
   * The figures.
   *
   * @param machine the CPU and its cores
   * @param config the training settings timed
   * @param identity the identity loss network, or "off"
   * @param timed the timing of each timed iteration
   * @param peakBytes the peak resident memory, or -1 where unknown
   */
  public record Result(
      String machine,
      TrainConfig config,
      String identity,
      List<Trainer.Timing> timed,
      long peakBytes) {
    public Result {
      timed = List.copyOf(timed);
    }

    /** The report; lines ending with the platform's separator. */
    public String report() {
      StringBuilder out = new StringBuilder();
      double[] plain = millis(timed, t -> t.d() + t.g() + t.ema());
      double plainSeconds = new Timings(plain).median() / 1000;
      out.append(String.format("machine      %s%n", machine));
      out.append(
          String.format(
              "training     GPEN %s (generator and discriminator), batch %d, random weights and faces%n",
              config.model().describe(), config.batchSize()));
      out.append(
          String.format(
              "             identity loss %s; libtorch %s, %s, %d threads%n",
              identity, Machine.libtorchVersion(), config.device(), torch.get_num_threads()));
      out.append(
          String.format(
              "iteration    %.2f s plain (D step %.2f s, G step %.2f s), median of %d after 1 warm-up%n",
              plainSeconds,
              new Timings(millis(timed, Trainer.Timing::d)).median() / 1000,
              new Timings(millis(timed, Trainer.Timing::g)).median() / 1000,
              plain.length));
      double amortised = plainSeconds;
      double[] r1 = millis(timed.stream().filter(t -> t.r1() > 0).toList(), Trainer.Timing::r1);
      if (r1.length > 0) {
        double m = new Timings(r1).median() / 1000;
        amortised += m / config.dRegEvery();
        out.append(
            String.format(
                "R1 step      %.2f s, every %d iterations (median of %d)%n",
                m, config.dRegEvery(), r1.length));
      }
      double[] path =
          millis(timed.stream().filter(t -> t.path() > 0).toList(), Trainer.Timing::path);
      if (path.length > 0) {
        double m = new Timings(path).median() / 1000;
        amortised += m / config.gRegEvery();
        out.append(
            String.format(
                "path step    %.2f s, every %d iterations (median of %d)%n",
                m, config.gRegEvery(), path.length));
      }
      out.append(
          String.format(
              "amortised    %.2f s per iteration (plain + R1/%d + path/%d)%n",
              amortised, config.dRegEvery(), config.gRegEvery()));
      out.append(String.format("memory       peak resident %s%n", Machine.megabytes(peakBytes)));
      return out.toString();
    }

    private static double[] millis(
        List<Trainer.Timing> timed, ToDoubleFunction<Trainer.Timing> seconds) {
      return timed.stream().mapToDouble(t -> seconds.applyAsDouble(t) * 1000).toArray();
    }
  }

  /**
   * Times the iterations.
   *
   * @throws io.gpen.GpenException naming the setting that is out of range
   */
  public static Result run(Options options) {
    ModelFiles.Overrides a = options.architecture();
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("size", a.size() != null ? a.size() : 256);
    settings.put("mul", a.channelMultiplier() != null ? a.channelMultiplier() : 1);
    settings.put("narrow", a.narrow() != null ? a.narrow() : 0.5);
    settings.put("batch_size", options.batchSize());
    settings.put("seed", options.seed());
    settings.put("device", options.device());
    settings.put("threads", options.threads());
    TrainConfig config = TrainConfig.resolve(null, settings);
    CpuThreads.configure(config.threads());
    List<Trainer.Timing> timed = new ArrayList<>();
    String identity;
    try (FaceEmbedder net = options.identity().create()) {
      identity = net == null ? "off" : net.name() + " (random weights)";
      try (PointerScope scope = new PointerScope();
          Trainer trainer = Trainer.create(config, net, note -> {})) {
        int s = config.size();
        torch.manual_seed(options.seed());
        Tensor lq =
            torch
                .rand(options.batchSize(), 3, s, s)
                .mul_(Tensors.scalar(2))
                .sub_(Tensors.scalar(1));
        Tensor gt =
            torch
                .rand(options.batchSize(), 3, s, s)
                .mul_(Tensors.scalar(2))
                .sub_(Tensors.scalar(1));
        trainer.step(lq, gt);
        trainer.setIteration(0);
        for (int i = 0; i < options.iterations(); i++) {
          timed.add(trainer.step(lq, gt).timing());
        }
      }
    }
    return new Result(Machine.describe(), config, identity, timed, PeakMemory.peakResidentBytes());
  }
}
