package io.gpen.spark;

import io.gpen.BadParameter;
import io.gpen.api.FaceRestorer;
import io.gpen.eval.Evaluator;
import io.gpen.eval.MetricNetworks;
import io.gpen.registry.ModelRegistry;
import java.io.Serializable;

/**
 * The networks of an evaluation on one executor: the restoration model and the metrics' networks
 * that were given (the core's {@link MetricNetworks}), loaded once per JVM ({@link
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
  record Spec(
      ShippedModel model,
      int batchSize,
      String inception,
      String lpips,
      String lpipsTrunk,
      String identityWeights,
      long files)
      implements Serializable {}

  final FaceRestorer restorer;
  private final MetricNetworks metrics;

  private EvaluationNetworks(FaceRestorer restorer, MetricNetworks metrics) {
    this.restorer = restorer;
    this.metrics = metrics;
  }

  /**
   * Loads the networks as {@code gpen test} does, the model on {@code threads} CPU threads.
   *
   * @throws BadParameter naming the weights that cannot be loaded
   */
  static EvaluationNetworks open(Spec spec, int threads) {
    FaceRestorer restorer = spec.model().spec(threads).open(spec.batchSize());
    try {
      return new EvaluationNetworks(
          restorer,
          MetricNetworks.open(
              Shipping.local(spec.inception()),
              Shipping.local(spec.lpips()),
              Shipping.local(spec.lpipsTrunk()),
              Shipping.local(spec.identityWeights()),
              spec.model().device(),
              spec.files(),
              ModelRegistry.defaultRegistry()));
    } catch (RuntimeException | Error e) {
      restorer.close();
      throw e;
    }
  }

  /** The scorers of {@code gpen test} over these networks, new for one partition. */
  Evaluator newEvaluator() {
    return new Evaluator(metrics.standardScorers(null));
  }

  @Override
  public void close() {
    restorer.close();
    metrics.close();
  }
}
