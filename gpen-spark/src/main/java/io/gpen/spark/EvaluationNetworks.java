package io.gpen.spark;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.FaceRestorer;
import io.gpen.eval.Evaluator;
import io.gpen.eval.IdentitySimilarity;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import io.gpen.nn.Devices;
import io.gpen.registry.ModelRegistry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;

/**
 * The networks of an evaluation on one executor: the restoration model and the metrics' networks
 * that were given (FID's InceptionV3, LPIPS, the identity embedder), loaded once per JVM ({@link
 * ExecutorNetworks}). Tasks share them one batch at a time ({@link #newEvaluator} gives each
 * partition its own scorers over them).
 */
final class EvaluationNetworks implements AutoCloseable {
  /**
   * What an evaluation's executors load, each network named by its shipped file.
   *
   * @param model the restoration model
   * @param batchSize faces per forward pass, as the batches the partitions score
   * @param inception FID InceptionV3 weights, or null: FID skipped
   * @param lpips LPIPS heads, or null: LPIPS skipped
   * @param lpipsTrunk LPIPS's AlexNet trunk (with {@code lpips})
   * @param identityWeights the face embedder, or null: identity skipped
   * @param files how many files the evaluation has (FID needs at least 2)
   */
  record Spec(ShippedModel model, int batchSize, String inception, String lpips, String lpipsTrunk, String identityWeights,
      long files) implements Serializable {}

  final FaceRestorer restorer;
  private final Loaded<FidInception> fid;
  private final Loaded<Lpips> lpips;
  private final Loaded<IdentitySimilarity> identity;

  private EvaluationNetworks(FaceRestorer restorer, Loaded<FidInception> fid, Loaded<Lpips> lpips,
      Loaded<IdentitySimilarity> identity) {
    this.restorer = restorer;
    this.fid = fid;
    this.lpips = lpips;
    this.identity = identity;
  }

  /**
   * Loads the networks as {@code gpen test} does, the model on {@code threads} CPU threads.
   *
   * @throws BadParameter naming the weights that cannot be loaded
   */
  static EvaluationNetworks open(Spec spec, int threads) {
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      FaceRestorer restorer = spec.model().spec(threads).open(spec.batchSize());
      opened.add(restorer);
      Loaded<FidInception> fid = track(spec.inception() == null || spec.files() >= 2
          ? naming("inception", () -> FidInception.open(Shipping.local(spec.inception()), registry))
          : Loaded.skipped("FID needs at least 2 images, got " + spec.files()), opened);
      Loaded<Lpips> lpips = track(naming("lpips",
          () -> Lpips.open(Shipping.local(spec.lpips()), Shipping.local(spec.lpipsTrunk()), registry)), opened);
      Device device = fid.isLoaded() || lpips.isLoaded() || spec.identityWeights() != null
          ? Devices.parse(spec.model().device())
          : null;
      Loaded<IdentitySimilarity> identity = track(naming("identityWeights",
          () -> IdentitySimilarity.open(Shipping.local(spec.identityWeights()), registry, device)), opened);
      if (device != null && !device.is_cpu()) {
        fid.model().ifPresent(n -> n.to(device));
        lpips.model().ifPresent(n -> n.to(device));
      }
      return new EvaluationNetworks(restorer, fid, lpips, identity);
    } catch (RuntimeException | Error e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static <T> Loaded<T> track(Loaded<T> loaded, List<AutoCloseable> opened) {
    loaded.model().ifPresent(m -> {
      if (m instanceof AutoCloseable c) {
        opened.add(c);
      }
    });
    return loaded;
  }

  private static <T> T naming(String parameter, Supplier<T> open) {
    try {
      return open.get();
    } catch (GpenException e) {
      throw BadParameter.naming(parameter, e);
    }
  }

  /** The scorers of {@code gpen test} over these networks, new for one partition. */
  Evaluator newEvaluator() {
    return new Evaluator(Evaluator.standardScorers(lpips, fid, null, identity));
  }

  @Override
  public void close() {
    restorer.close();
    for (Loaded<?> l : List.of(fid, lpips, identity)) {
      l.model().ifPresent(m -> {
        if (m instanceof AutoCloseable c) {
          try {
            c.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
    }
  }
}
