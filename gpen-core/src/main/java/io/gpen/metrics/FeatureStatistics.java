package io.gpen.metrics;

import io.gpen.GpenException;
import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The mean and covariance (unbiased, as NumPy's {@code np.cov}) of a set of feature vectors, in
 * double precision, with the number of vectors and a label saying what the features are.
 *
 * <p>Saved as safetensors: float64 tensors {@code mu} [d] and {@code sigma} [d,d] (pytorch-fid's
 * names), and metadata {@code format} = {@value #FORMAT}, {@code count} and {@code features}.
 */
public final class FeatureStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The metadata {@code format} of a statistics file. */
  public static final String FORMAT = "gpen-fid-statistics";

  private final double[] mean;
  private final double[] covariance;
  private final long count;
  private final String features;

  /**
   * @param mean d values
   * @param covariance d×d values, row-major, symmetric
   * @param count how many vectors they summarise (at least 2)
   * @param features what the vectors are, e.g. {@link FidInception#FEATURES}
   */
  public FeatureStatistics(double[] mean, double[] covariance, long count, String features) {
    if ((long) mean.length * mean.length != covariance.length) {
      throw new IllegalArgumentException(
          "a mean of "
              + mean.length
              + " values needs a covariance of "
              + (long) mean.length * mean.length
              + " values, got "
              + covariance.length);
    }
    if (count < 2) {
      throw new IllegalArgumentException("statistics need at least 2 vectors, got " + count);
    }
    this.mean = mean.clone();
    this.covariance = covariance.clone();
    this.count = count;
    this.features = features;
  }

  /** The feature size d. */
  public int dims() {
    return mean.length;
  }

  /** How many vectors the statistics summarise. */
  public long count() {
    return count;
  }

  /** What the features are. */
  public String features() {
    return features;
  }

  /** A copy of the mean. */
  public double[] mean() {
    return mean.clone();
  }

  /** A copy of the covariance, d×d row-major. */
  public double[] covariance() {
    return covariance.clone();
  }

  /** The mean itself, for this package's computations. */
  double[] meanView() {
    return mean;
  }

  /** The covariance itself, for this package's computations. */
  double[] covarianceView() {
    return covariance;
  }

  /** Writes the statistics to {@code file} (atomically). */
  public void save(Path file) {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("mu", float64(mean, mean.length));
    tensors.put("sigma", float64(covariance, mean.length, mean.length));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(Safetensors.FORMAT_KEY, FORMAT);
    meta.put("count", Long.toString(count));
    meta.put("features", features);
    Safetensors.write(file, tensors, meta);
  }

  /**
   * Reads statistics written by {@link #save}.
   *
   * @throws GpenException naming the file when it is not such a file
   */
  public static FeatureStatistics load(Path file) {
    StateDict sd = Safetensors.read(file);
    if (!FORMAT.equals(sd.metadata().get(Safetensors.FORMAT_KEY))) {
      throw new GpenException(
          file + ": not a feature statistics file (its metadata has no format '" + FORMAT + "')");
    }
    TensorData mu = sd.get("mu");
    TensorData sigma = sd.get("sigma");
    if (mu == null || sigma == null || sd.size() != 2) {
      throw new GpenException(
          file
              + ": a feature statistics file holds exactly 'mu' and 'sigma', found "
              + sd.tensors().keySet());
    }
    long d = mu.numel();
    if (mu.dtype() != DType.FLOAT64
        || sigma.dtype() != DType.FLOAT64
        || mu.dim() != 1
        || !Arrays.equals(sigma.shape(), new long[] {d, d})) {
      throw new GpenException(
          file
              + ": 'mu' must be float64 [d] and 'sigma' float64 [d, d], got "
              + mu.dtype()
              + " "
              + mu.shapeString()
              + " and "
              + sigma.dtype()
              + " "
              + sigma.shapeString());
    }
    long count;
    try {
      count = Long.parseLong(sd.metadata().getOrDefault("count", ""));
    } catch (NumberFormatException e) {
      throw new GpenException(file + ": the metadata 'count' is not a number", e);
    }
    if (count < 2) {
      throw new GpenException(
          file + ": the statistics summarise " + count + " vectors; at least 2 are needed");
    }
    return new FeatureStatistics(
        doubles(mu), doubles(sigma), count, sd.metadata().getOrDefault("features", ""));
  }

  /** A float64 tensor of {@code shape} holding {@code values}. */
  static TensorData float64(double[] values, long... shape) {
    ByteBuffer buf =
        ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asDoubleBuffer().put(values);
    return new TensorData(DType.FLOAT64, shape, buf);
  }

  /** The values of a float64 tensor. */
  static double[] doubles(TensorData t) {
    if (t.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException("expected float64, got " + t.dtype());
    }
    double[] out = new double[Math.toIntExact(t.numel())];
    t.data().asDoubleBuffer().get(out);
    return out;
  }
}
