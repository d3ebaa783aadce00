package io.gpen.metrics;

import io.gpen.GpenException;
import io.gpen.nn.Tensors;
import java.io.Serializable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Mean and covariance of feature vectors given batch by batch, so that a whole set is summarised
 * without keeping its features. Each batch is centred on its own mean and merged with the running
 * statistics by Chan et al.'s pairwise update, in double precision, which avoids the cancellation
 * of the sum-of-squares formula. Two accumulators over consecutive parts of a set merge the same
 * way ({@link #append}), so that a set scored in parts (the partitions of a Spark job) gives the
 * statistics of the whole set up to rounding.
 */
public final class FeatureAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int dims;
  private final String features;
  private final double[] mean;

  /** Sum over the vectors so far of (x − mean)(x − mean)ᵀ, row-major. */
  private final double[] scatter;

  private long count;

  /**
   * @param dims the feature size d
   * @param features what the vectors are, carried into the statistics
   */
  public FeatureAccumulator(int dims, String features) {
    if (dims < 1) {
      throw new IllegalArgumentException("dims must be positive, got " + dims);
    }
    this.dims = dims;
    this.features = features;
    this.mean = new double[dims];
    this.scatter = new double[Math.multiplyExact(dims, dims)];
  }

  /**
   * Adds a batch of vectors.
   *
   * @param batch [n, d], any floating type, any device
   */
  public void add(Tensor batch) {
    if (batch.dim() != 2 || batch.size(1) != dims) {
      throw new IllegalArgumentException(
          "expected [n, " + dims + "] features, got " + Tensors.shapeString(batch));
    }
    long n = batch.size(0);
    if (n == 0) {
      return;
    }
    double[] batchMean;
    double[] batchScatter;
    try (PointerScope scope = new PointerScope()) {
      Tensor x = batch.detach().cpu().to(ScalarType.Double);
      Tensor m = x.mean(new long[] {0}, true, new ScalarTypeOptional());
      Tensor c = x.sub(m);
      batchMean = FeatureStatistics.doubles(Tensors.toData(m));
      batchScatter = FeatureStatistics.doubles(Tensors.toData(c.t().mm(c)));
    }
    merge(n, batchMean, batchScatter);
  }

  /**
   * Adds the vectors {@code later} summarises, as if they had been added here after those added so
   * far: Chan et al.'s pairwise update, the one {@link #add} applies to each batch. {@code later}
   * is not changed.
   *
   * @throws IllegalArgumentException where {@code later} holds vectors of other features or size
   */
  public void append(FeatureAccumulator later) {
    if (later.dims != dims || !later.features.equals(features)) {
      throw new IllegalArgumentException(
          "cannot merge "
              + later.dims
              + "-d '"
              + later.features
              + "' features into "
              + dims
              + "-d '"
              + features
              + "' ones");
    }
    if (later.count > 0) {
      merge(later.count, later.mean, later.scatter);
    }
  }

  /**
   * Merges n vectors of mean {@code otherMean} and scatter {@code otherScatter} into these
   * statistics.
   */
  private void merge(long n, double[] otherMean, double[] otherScatter) {
    long total = count + n;
    double weight = (double) count * n / total;
    double[] delta = new double[dims];
    for (int i = 0; i < dims; i++) {
      delta[i] = otherMean[i] - mean[i];
      mean[i] += delta[i] * n / total;
    }
    for (int i = 0, k = 0; i < dims; i++) {
      double wi = delta[i] * weight;
      for (int j = 0; j < dims; j++, k++) {
        scatter[k] += otherScatter[k] + wi * delta[j];
      }
    }
    count = total;
  }

  /** How many vectors were added. */
  public long count() {
    return count;
  }

  /**
   * The statistics of the vectors so far.
   *
   * @throws GpenException with fewer than 2 vectors, which have no covariance
   */
  public FeatureStatistics statistics() {
    if (count < 2) {
      throw new GpenException("feature statistics need at least 2 images, got " + count);
    }
    double[] cov = new double[scatter.length];
    for (int k = 0; k < cov.length; k++) {
      cov[k] = scatter[k] / (count - 1);
    }
    return new FeatureStatistics(mean, cov, count, features);
  }
}
