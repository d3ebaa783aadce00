package io.gpen.eval;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.metrics.FeatureStatistics;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Loaded;
import io.gpen.metrics.Lpips;
import io.gpen.nn.Devices;
import io.gpen.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;

/**
 * The networks of {@code gpen test}'s metrics, those whose weights were given: FID's InceptionV3,
 * LPIPS and the identity embedder, on the restoration model's device. {@code gpen test} ({@code
 * FolderEvaluation}) and the Spark evaluation load them here; {@link #standardScorers} gives the
 * scorers over them. They may be shared by the scorers of several partitions, one batch at a time.
 * Close it to free them.
 */
public final class MetricNetworks implements AutoCloseable {
  private final Loaded<FidInception> fid;
  private final Loaded<Lpips> lpips;
  private final Loaded<IdentitySimilarity> identity;

  private MetricNetworks(
      Loaded<FidInception> fid, Loaded<Lpips> lpips, Loaded<IdentitySimilarity> identity) {
    this.fid = fid;
    this.lpips = lpips;
    this.identity = identity;
  }

  /**
   * Loads the networks whose weights are given (each a file or a registry name; null or blank: that
   * metric skipped with its reason).
   *
   * @param inception FID's InceptionV3
   * @param lpips LPIPS's heads
   * @param lpipsTrunk LPIPS's AlexNet trunk (with {@code lpips})
   * @param identityWeights the face embedder
   * @param device the restoration model's device, where these run; parsed only where one loads
   * @param images how many images the set has: FID is skipped under 2
   * @throws BadParameter naming {@code inception}, {@code lpips} or {@code identityWeights} when
   *     those weights cannot be had or do not fit
   */
  public static MetricNetworks open(
      String inception,
      String lpips,
      String lpipsTrunk,
      String identityWeights,
      String device,
      long images,
      ModelRegistry registry) {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Loaded<FidInception> fid =
          track(
              absent(inception) || images >= 2
                  ? naming("inception", () -> FidInception.open(inception, registry))
                  : Loaded.skipped("FID needs at least 2 images, got " + images),
              opened);
      Loaded<Lpips> lpipsNet =
          track(naming("lpips", () -> Lpips.open(lpips, lpipsTrunk, registry)), opened);
      // the metric networks run on libtorch: its device is parsed only where one of them runs
      Device on =
          fid.isLoaded() || lpipsNet.isLoaded() || !absent(identityWeights)
              ? Devices.parse(device)
              : null;
      Loaded<IdentitySimilarity> identity =
          track(
              naming(
                  "identityWeights", () -> IdentitySimilarity.open(identityWeights, registry, on)),
              opened);
      if (on != null && !on.is_cpu()) {
        fid.model().ifPresent(n -> n.to(on));
        lpipsNet.model().ifPresent(n -> n.to(on));
      }
      return new MetricNetworks(fid, lpipsNet, identity);
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

  private static boolean absent(String weights) {
    return weights == null || weights.isBlank();
  }

  private static <T> Loaded<T> track(Loaded<T> loaded, List<AutoCloseable> opened) {
    loaded
        .model()
        .ifPresent(
            m -> {
              if (m instanceof AutoCloseable c) {
                opened.add(c);
              }
            });
    return loaded;
  }

  /** Runs {@code open}, naming {@code parameter} at the start of its one-line error. */
  private static <T> T naming(String parameter, Supplier<T> open) {
    try {
      return open.get();
    } catch (GpenException e) {
      throw BadParameter.naming(parameter, e);
    }
  }

  /**
   * New scorers of {@code gpen test} over these networks ({@link Evaluator#standardScorers}), for
   * one evaluation or one partition of it.
   *
   * @param realStatistics FID's statistics of the real faces where given, else null (computed)
   */
  public List<Scorer> standardScorers(FeatureStatistics realStatistics) {
    return Evaluator.standardScorers(lpips, fid, realStatistics, identity);
  }

  @Override
  public void close() {
    for (Loaded<?> l : List.of(fid, lpips, identity)) {
      l.model()
          .ifPresent(
              m -> {
                if (m instanceof AutoCloseable c) {
                  try {
                    c.close();
                  } catch (Exception e) {
                    throw new IllegalStateException("cannot close " + m, e);
                  }
                }
              });
    }
  }
}
