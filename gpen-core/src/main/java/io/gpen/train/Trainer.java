package io.gpen.train;

import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.TensorData;
import io.gpen.data.Batch;
import io.gpen.identity.FaceEmbedder;
import io.gpen.model.Discriminator;
import io.gpen.model.FullGenerator;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Devices;
import io.gpen.nn.Module;
import io.gpen.nn.SecondOrderGradients;
import io.gpen.nn.Tensors;
import io.gpen.train.distributed.Collective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * GPEN training as the official {@code train_simple.py} does it, one iteration at a time: the
 * generator G, the discriminator D, the moving average {@code g_ema} of G, an Adam optimiser for
 * each network and the running mean path length.
 *
 * <p>Iteration i: a D step on {@code softplus(−D(real)) + softplus(D(G(lq)))}; when {@code i %
 * d_reg_every == 0} an R1 step ({@code r1/2 · d_reg_every · R1}, a double backward); a G step on
 * {@code softplus(−D(G(lq))) + l1_weight·SmoothL1(G(lq), gt) + id_weight·(1 − cos(f(G(lq)),
 * f(gt)))}; when {@code i % g_reg_every == 0} a path-length step ({@code path_regularize ·
 * g_reg_every · mean((pl − mean_pl)²)}, the projection noise drawn from (seed, i)); then {@code
 * g_ema ← β·g_ema + (1 − β)·G} with β = 0.5^(32/10000). Everything an iteration reads is either in
 * a checkpoint ({@link #save}) or computed from (seed, i), so a resumed run continues bit for bit.
 *
 * <p>Data parallel ({@link #distribute}): each rank steps on its shard of the global batch and the
 * gradients of every step are averaged over the ranks before Adam, so the networks, the optimisers
 * and the mean path length stay identical on every rank and equal to one process stepping on the
 * whole batch. Two parts of the reference couple the samples of a batch and are made global: the
 * discriminator's minibatch standard deviation (over the global batch's features, its gradient
 * summed over the ranks) and the path-length mean. The R1 step runs on the whole gathered batch of
 * real faces on every rank: its double backward through the minibatch deviation cannot be split
 * over ranks, and it runs only every {@code d_reg_every} iterations.
 */
public final class Trainer implements AutoCloseable {
  /** The reference's EMA decay, {@code 0.5 ** (32 / (10 * 1000))}. */
  public static final double EMA_DECAY = Math.pow(0.5, 32.0 / 10000);

  /**
   * Salt of the path-noise seeds, so that they differ from anything else seeded by the same seed.
   */
  private static final long PATH_NOISE = 0x7061746e6f697365L;

  private final TrainConfig config;
  private final FullGenerator g;
  private final Discriminator d;
  private final FullGenerator gEma;
  private final Adam gOptim;
  private final Adam dOptim;
  private final FaceEmbedder identity;
  private final Device device;
  private Collective collective = Collective.SINGLE;
  private long iteration;
  private float meanPathLength;
  private double lastR1;
  private double lastPath;
  private double lastPathLength;

  /**
   * The numbers of one iteration, for the log.
   *
   * @param iteration its index
   * @param d the discriminator loss
   * @param g the generator loss, {@code adversarial + l1_weight·l1 + id_weight·identity}
   * @param adversarial {@code softplus(−D(G(lq))).mean()}
   * @param l1 the smooth L1 loss
   * @param identity the identity loss, NaN when it is off
   * @param r1 the R1 penalty (unweighted) of the latest R1 step of this trainer, 0 before the first
   * @param path the path-length penalty (unweighted) of the latest path-length step, 0 before the
   *     first
   * @param pathLength the mean path length of the latest path-length step
   * @param realScore mean D score of the real faces in the D step
   * @param fakeScore mean D score of the restored faces in the D step
   * @param regularisedD whether this iteration ran the R1 step
   * @param regularisedG whether this iteration ran the path-length step
   * @param timing seconds spent in each part
   */
  public record Step(
      long iteration,
      double d,
      double g,
      double adversarial,
      double l1,
      double identity,
      double r1,
      double path,
      double pathLength,
      double realScore,
      double fakeScore,
      boolean regularisedD,
      boolean regularisedG,
      Timing timing) {

    /** Whether every loss is a finite number. */
    public boolean finite() {
      return Double.isFinite(d)
          && Double.isFinite(g)
          && Double.isFinite(r1)
          && Double.isFinite(path);
    }
  }

  /**
   * Seconds spent in each part of an iteration.
   *
   * @param d the D step; {@code r1} the R1 step (0 when it did not run); {@code g} the G step;
   *     {@code path} the path-length step (0 when it did not run); {@code ema} the average update
   */
  public record Timing(double d, double r1, double g, double path, double ema) {
    public double total() {
      return d + r1 + g + path + ema;
    }
  }

  /**
   * A trainer with the given networks (taken over: closed with the trainer) on {@code
   * config.device()}; optimisers start fresh at iteration 0.
   *
   * @param identity the face embedder of the identity loss, or null for none; it stays the caller's
   *     to close
   */
  Trainer(
      TrainConfig config,
      FullGenerator g,
      Discriminator d,
      FullGenerator gEma,
      FaceEmbedder identity) {
    this.config = config;
    this.g = g;
    this.d = d;
    this.gEma = gEma;
    this.identity = identity;
    this.device = Devices.parse(config.device());
    if (!device.is_cpu()) {
      g.to(device);
      d.to(device);
      gEma.to(device);
      if (identity != null) {
        identity.to(device);
      }
    }
    gEma.requiresGrad(false);
    this.gOptim = new Adam(g.namedParameters(), config.generatorLr(), 0, config.generatorBeta2());
    this.dOptim =
        new Adam(d.namedParameters(), config.discriminatorLr(), 0, config.discriminatorBeta2());
  }

  /**
   * The trainer a run starts with: from {@code config.pretrain()} when given (see {@link
   * TrainCheckpoints}), else with random weights drawn from {@code config.seed()} and g_ema a copy
   * of G, as the reference starts. {@code config.startIter()}, when given, sets the first
   * iteration.
   *
   * @param identity the face embedder of the identity loss, or null for none; it stays the caller's
   *     to close
   * @param notes receives one line per thing a user should know about what was loaded
   * @throws io.gpen.GpenException naming the checkpoint when it cannot be used
   */
  public static Trainer create(
      TrainConfig config, FaceEmbedder identity, java.util.function.Consumer<String> notes) {
    Trainer t =
        config.pretrain() == null
            ? fresh(config, identity)
            : TrainCheckpoints.load(config, identity, notes);
    if (config.startIter() != null) {
      t.setIteration(config.startIter());
    }
    return t;
  }

  private static Trainer fresh(TrainConfig config, FaceEmbedder identity) {
    torch.manual_seed(config.seed());
    GpenConfig model = config.model();
    FullGenerator g = new FullGenerator(model);
    Discriminator d = new Discriminator(config.size(), config.mul(), config.narrow());
    FullGenerator gEma = new FullGenerator(model);
    copy(g, gEma);
    return new Trainer(config, g, d, gEma, identity);
  }

  /** Copies every parameter and buffer of {@code from} into {@code to} (same architecture). */
  static void copy(Module from, Module to) {
    Map<String, Tensor> src = from.stateDict();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      to.stateDict().forEach((name, t) -> t.copy_(src.get(name)));
    }
  }

  /**
   * Makes this trainer rank {@code collective.rank()} of a data-parallel run: rank 0's G, D and
   * g_ema are copied to every rank (every rank calls this at the same point), and each later step
   * averages its gradients over the ranks. Each rank then steps on its own shard of every global
   * batch, in rank order ({@link io.gpen.data.FaceLoader.Builder#shard}), all shards of equal size.
   */
  public void distribute(Collective collective) {
    this.collective = collective;
    List<Tensor> all = new ArrayList<>();
    for (Module m : List.of(g, d, gEma)) {
      all.addAll(m.stateDict().values());
    }
    collective.broadcast(all);
  }

  public TrainConfig config() {
    return config;
  }

  public FullGenerator generator() {
    return g;
  }

  public FullGenerator emaGenerator() {
    return gEma;
  }

  public Discriminator discriminator() {
    return d;
  }

  Adam generatorOptimizer() {
    return gOptim;
  }

  Adam discriminatorOptimizer() {
    return dOptim;
  }

  /** The identity network, or null when the identity loss is off. */
  public FaceEmbedder identity() {
    return identity;
  }

  /** The number of iterations done: the index of the next one. */
  public long iteration() {
    return iteration;
  }

  /** Where the next iteration starts (after a resume with another {@code start_iter}). */
  public void setIteration(long next) {
    if (next < 0) {
      throw new IllegalArgumentException("iteration must not be negative: " + next);
    }
    this.iteration = next;
  }

  public float meanPathLength() {
    return meanPathLength;
  }

  void setMeanPathLength(float value) {
    this.meanPathLength = value;
  }

  /** Runs iteration {@link #iteration()} on a batch of the loader and advances. */
  public Step step(Batch batch) {
    try (PointerScope scope = new PointerScope()) {
      long[] shape = {batch.count(), 3, batch.size(), batch.size()};
      Tensor lq = Tensors.fromFloats(batch.lq(), shape);
      Tensor gt = batch.lq() == batch.gt() ? lq : Tensors.fromFloats(batch.gt(), shape);
      return step(lq.to(device, lq.scalar_type()), gt.to(device, gt.scalar_type()));
    }
  }

  /**
   * Runs iteration {@link #iteration()} on degraded faces {@code lq} and their originals {@code
   * gt}.
   */
  public Step step(Tensor lq, Tensor gt) {
    long i = iteration;
    try (PointerScope scope = new PointerScope()) {
      long t0 = System.nanoTime();
      // D step: G is frozen, so its forward pass needs no graph
      g.requiresGrad(false);
      d.requiresGrad(true);
      Tensor fake;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        fake = g.forward(lq).image();
      }
      GlobalBatch dBatch = parallel() ? new GlobalBatch() : null;
      Tensor fakePred = d.forward(fake, dBatch);
      Tensor realPred = d.forward(gt, dBatch);
      Tensor dLoss = Losses.discriminator(realPred, fakePred);
      dOptim.step(gradients(dBatch == null ? dLoss : dBatch.withOtherRanks(dLoss), d));
      double dValue = dLoss.item_double();
      double realScore = realPred.mean().item_double();
      double fakeScore = fakePred.mean().item_double();
      long t1 = System.nanoTime();

      boolean regD = config.dRegEvery() > 0 && config.r1() > 0 && i % config.dRegEvery() == 0;
      if (regD) {
        // the whole batch on every rank (see the class comment); in one process it is gt
        Tensor real = collective.gather(gt).set_requires_grad(true);
        Tensor r1 = Losses.r1(d.forward(real), real);
        Tensor weighted = r1.mul(Tensors.scalar(config.r1() / 2 * config.dRegEvery()));
        dOptim.step(secondOrderGradients(weighted, d));
        lastR1 = r1.item_double();
      }
      long t2 = System.nanoTime();

      // G step: D is frozen, gradients flow through it to the image
      g.requiresGrad(true);
      d.requiresGrad(false);
      FullGenerator.Output out = g.forward(lq);
      GlobalBatch gBatch = parallel() ? new GlobalBatch() : null;
      Tensor adversarial = Losses.generatorAdversarial(d.forward(out.image(), gBatch));
      Tensor l1 = Losses.smoothL1(out.image(), gt);
      Tensor gLoss = adversarial.add(l1.mul(Tensors.scalar(config.l1Weight())));
      double idValue = Double.NaN;
      if (identity != null) {
        Tensor id = Losses.identity(identity, out.image(), gt);
        gLoss = gLoss.add(id.mul(Tensors.scalar(config.idWeight())));
        idValue = id.item_double();
      }
      gOptim.step(gradients(gBatch == null ? gLoss : gBatch.withOtherRanks(gLoss), g));
      double gValue = gLoss.item_double();
      double advValue = adversarial.item_double();
      double l1Value = l1.item_double();
      long t3 = System.nanoTime();

      boolean regG =
          config.gRegEvery() > 0 && config.pathRegularize() > 0 && i % config.gRegEvery() == 0;
      if (regG) {
        FullGenerator.Output reg = g.forward(lq);
        Tensor image = reg.image();
        long[] shape = Tensors.shape(image);
        long local = shape[0];
        shape[0] *= collective.size();
        // the global batch's noise, this rank's rows: the same projection as in one process
        Tensor noise =
            pathNoise(i, shape)
                .narrow(0, collective.rank() * local, local)
                .to(device, image.scalar_type());
        Tensor lengths = Losses.pathLengths(image, reg.latent(), noise);
        Tensor penalty;
        Tensor meanLength;
        Tensor mean;
        Tensor weighted;
        Scalar runningMean = Tensors.scalar(meanPathLength);
        Scalar decay = Tensors.scalar(Losses.PATH_LENGTH_DECAY);
        if (parallel()) {
          // mean_pl is global: m = mpl + decay·(L̄ − mpl) with L̄ the global mean length. The
          // reference differentiates through m; that term, −2·decay·(L̄ − m)·∂L̄, is split over the
          // ranks as −2·decay·(L̄ − m)·∂(this rank's mean), which the averaging sums back to it
          Tensor localMean = lengths.mean();
          meanLength = localMean.detach().clone();
          collective.sum(meanLength);
          meanLength.div_(Tensors.scalar(collective.size()));
          mean = meanLength.sub(runningMean).mul(decay).add(runningMean);
          penalty = lengths.sub(mean).pow(Tensors.scalar(2)).mean();
          Tensor coupling = meanLength.sub(mean).mul(Tensors.scalar(2 * Losses.PATH_LENGTH_DECAY));
          weighted =
              penalty
                  .sub(localMean.mul(coupling))
                  .mul(Tensors.scalar(config.pathRegularize() * config.gRegEvery()));
        } else {
          meanLength = lengths.mean();
          mean = meanLength.sub(runningMean).mul(decay).add(runningMean);
          penalty = lengths.sub(mean).pow(Tensors.scalar(2)).mean();
          weighted = penalty.mul(Tensors.scalar(config.pathRegularize() * config.gRegEvery()));
        }
        gOptim.step(secondOrderGradients(weighted, g));
        meanPathLength = mean.item_float();
        lastPath = penalty.item_double();
        lastPathLength = meanLength.item_double();
      }
      long t4 = System.nanoTime();

      accumulateEma();
      long t5 = System.nanoTime();
      iteration = i + 1;
      Timing timing =
          new Timing(
              (t1 - t0) / 1e9,
              regD ? (t2 - t1) / 1e9 : 0,
              (t3 - t2) / 1e9,
              regG ? (t4 - t3) / 1e9 : 0,
              (t5 - t4) / 1e9);
      return new Step(
          i,
          dValue,
          gValue,
          advValue,
          l1Value,
          idValue,
          lastR1,
          lastPath,
          lastPathLength,
          realScore,
          fakeScore,
          regD,
          regG,
          timing);
    }
  }

  /**
   * The reference's {@code randn_like(img) / sqrt(H·W)}, drawn from a generator seeded by (seed,
   * iteration) on the CPU so that it is the same on every device and after a resume.
   */
  private Tensor pathNoise(long iteration, long[] shape) {
    org.bytedeco.pytorch.Generator rng =
        torch.make_generator_cpu(mix(config.seed() ^ PATH_NOISE, iteration));
    Tensor noise = torch.randn(shape, new GeneratorOptional(rng));
    return noise.div_(Tensors.scalar(Math.sqrt((double) shape[2] * shape[3])));
  }

  /** SplitMix64 of a seed and a counter: distinct, well-spread generator seeds per iteration. */
  private static long mix(long seed, long counter) {
    long z = seed + (counter + 1) * 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }

  private boolean parallel() {
    return collective.size() > 1;
  }

  /**
   * d loss / d parameters of {@code m}, undefined where a parameter does not take part, averaged
   * over the ranks.
   */
  private TensorVector gradients(Tensor loss, Module m) {
    TensorVector params = new TensorVector(m.parameters().toArray(new Tensor[0]));
    TensorVector grads =
        torch.grad(
            new TensorVector(loss),
            params,
            new TensorVector(),
            new BoolOptional(false),
            false,
            true);
    collective.average(Arrays.asList(grads.get()));
    return grads;
  }

  /**
   * {@link #gradients} of a loss that differentiates a gradient (R1, path length), on kernels that
   * compute second-order gradients right ({@link SecondOrderGradients}).
   */
  private TensorVector secondOrderGradients(Tensor loss, Module m) {
    return SecondOrderGradients.compute(() -> gradients(loss, m));
  }

  /**
   * The discriminator's view of the global batch in a data-parallel step: the minibatch deviation
   * over every rank's features, the other ranks' as constants. The global loss is the mean of the
   * ranks' losses; its gradient through a deviation s is Σ_ranks ∂loss_r/∂s · ∂s/∂θ, of which this
   * rank's graph holds only its own features' part of ∂s/∂θ. {@link #withOtherRanks} makes that
   * part carry the summed ∂loss/∂s, so that averaging the ranks' gradients gives the global one.
   */
  private final class GlobalBatch implements Discriminator.WholeBatch {
    private final List<Tensor> deviations = new ArrayList<>();

    @Override
    public Tensor features(Tensor local) {
      Tensor whole = collective.gather(local);
      long b = local.size(0);
      long before = collective.rank() * b;
      long after = whole.size(0) - before - b;
      TensorVector parts = new TensorVector();
      if (before > 0) {
        parts.push_back(whole.narrow(0, 0, before));
      }
      parts.push_back(local);
      if (after > 0) {
        parts.push_back(whole.narrow(0, before + b, after));
      }
      return torch.cat(parts);
    }

    @Override
    public void deviation(Tensor std) {
      deviations.add(std);
    }

    /**
     * {@code loss + Σ_k (S_k − g_k)·s_k}, g_k = ∂loss/∂s_k here and S_k its sum over the ranks
     * (constants).
     */
    Tensor withOtherRanks(Tensor loss) {
      TensorVector s = new TensorVector(deviations.toArray(new Tensor[0]));
      TensorVector mine =
          torch.grad(
              new TensorVector(loss), s, new TensorVector(), new BoolOptional(true), false, false);
      Tensor own = torch.stack(mine);
      Tensor summed = own.clone();
      collective.sum(summed);
      return loss.add(summed.sub(own).mul(torch.stack(s)).sum());
    }
  }

  /** {@code g_ema ← β·g_ema + (1 − β)·G} over the parameters, as the reference's accumulate. */
  private void accumulateEma() {
    Map<String, Tensor> src = g.namedParameters();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Scalar decay = Tensors.scalar(EMA_DECAY);
      Scalar rest = Tensors.scalar(1 - EMA_DECAY);
      for (Map.Entry<String, Tensor> e : gEma.namedParameters().entrySet()) {
        e.getValue().mul_(decay).add_(src.get(e.getKey()), rest);
      }
    }
  }

  /**
   * Restores faces with {@code g_ema}: {@code count} faces of {@code 3·size·size} floats each, RGB
   * in [-1, 1], in and out.
   */
  public float[] restore(float[] lq, int count) {
    int s = config.size();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor x = Tensors.fromFloats(lq, count, 3, s, s).to(device, torch.ScalarType.Float);
      return Tensors.toFloats(gEma.forward(x).image());
    }
  }

  /**
   * Writes a training checkpoint (safetensors, through a temporary file): parts {@code g}, {@code
   * d}, {@code g_ema}, {@code g_optim}, {@code d_optim}; the iteration, the architecture, the
   * running mean path length and the seed in the metadata.
   */
  public void save(Path file) {
    Map<String, Map<String, TensorData>> parts = new LinkedHashMap<>();
    parts.put("g", ModelFiles.tensorData(g));
    parts.put("d", ModelFiles.tensorData(d));
    parts.put("g_ema", ModelFiles.tensorData(gEma));
    parts.put("g_optim", gOptim.state());
    parts.put("d_optim", dOptim.state());
    Safetensors.writeParts(file, parts, TrainCheckpoints.metadata(this));
  }

  @Override
  public void close() {
    gOptim.close();
    dOptim.close();
    g.close();
    d.close();
    gEma.close();
  }
}
