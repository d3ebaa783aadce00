package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_64FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.filter2D;

import io.gpen.image.Images;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The synthetic degradation GPEN trains on (the GFPGAN degradation of the official {@code
 * dataset_face.py}), turning a high-quality face into a (ground truth, low quality) pair.
 *
 * <p>Images are BGR {@code CV_32FC3} in [0, 1], as the reference's {@code img.astype(np.float32) /
 * 255.}. The steps, in the reference's order:
 *
 * <ol>
 *   <li>horizontal flip of the ground truth (probability {@link DegradationConfig#flipProb()});
 *   <li>grayscale ground truth ({@code cvtColor} BGR→GRAY, repeated over 3 channels);
 *   <li>blur with a normalised Gaussian kernel {@code exp(-½ xᵀΣ⁻¹x)} over the grid −r..r, {@code Σ
 *       = R·diag(σx², σy²)·Rᵀ}, through {@code filter2D} with its default border (reflect 101);
 *   <li>resize to {@code (int(w // scale), int(h // scale))}, bilinear;
 *   <li>Gaussian noise, one σ per image on the 0–255 scale, drawn per pixel and channel, then
 *       clipped to [0, 1];
 *   <li>JPEG: {@code img·255} rounded to 8 bits (OpenCV's {@code saturate_cast}, as {@code
 *       imencode} does to float input), encoded at the drawn quality and decoded as colour;
 *   <li>resize back to (w, h), bilinear.
 * </ol>
 *
 * <p>All randomness comes from {@link Params}, which {@link #draw} takes from one generator per
 * sample, so the same parameters always give the same bytes. NumPy's streams are not reproduced:
 * the same seed gives the same images in this implementation, not in the Python one (and the same
 * bytes for a given JDK, OpenCV build and CPU: OpenCV picks SIMD code by CPU). The noise field
 * comes from {@code SplittableRandom.nextGaussian()}, the JDK's modified ziggurat (McFarland, JDK
 * 17+): about 3 ms for 512×512×3 values, where Box–Muller with {@code log}/{@code cos} takes about
 * 16 ms.
 *
 * <p>The class is immutable and may be used from several threads at once.
 */
public final class Degradation {
  /** k/255 in float32, the reference's {@code astype(np.float32) / 255.} of each 8-bit level. */
  private static final float[] LEVELS = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      LEVELS[v] = v / 255f;
    }
  }

  private final DegradationConfig config;

  public Degradation(DegradationConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * Every random choice for one image. Iso kernels have {@code sigmaY == sigmaX} and {@code theta
   * == 0}.
   *
   * @param flip flip the ground truth horizontally
   * @param gray make the ground truth grey
   * @param sigmaX kernel standard deviation along the rotated x axis, in pixels
   * @param sigmaY kernel standard deviation along the rotated y axis, in pixels
   * @param theta kernel rotation, radians
   * @param scale downsampling factor
   * @param noiseSigma noise standard deviation on the 0–255 scale; 0 adds none
   * @param jpegQuality JPEG quality, 0 to 100
   * @param noiseSeed seed of the noise field's generator
   */
  public record Params(
      boolean flip,
      boolean gray,
      double sigmaX,
      double sigmaY,
      double theta,
      double scale,
      double noiseSigma,
      int jpegQuality,
      long noiseSeed) {
    /** Checks the values the image operations cannot take. */
    public Params {
      if (!(sigmaX > 0 && sigmaY > 0 && Double.isFinite(sigmaX) && Double.isFinite(sigmaY))) {
        throw new IllegalArgumentException(
            "kernel sigmas must be positive, got " + sigmaX + ", " + sigmaY);
      }
      if (!(scale > 0 && Double.isFinite(scale))) {
        throw new IllegalArgumentException("scale must be positive, got " + scale);
      }
      if (!(noiseSigma >= 0 && Double.isFinite(noiseSigma) && Double.isFinite(theta))) {
        throw new IllegalArgumentException("bad noise sigma " + noiseSigma + " or angle " + theta);
      }
      if (jpegQuality < 0 || jpegQuality > 100) {
        throw new IllegalArgumentException("JPEG quality must be 0 to 100, got " + jpegQuality);
      }
    }
  }

  /** The ground truth (after flip and grayscale) and its degraded copy, both owned by the pair. */
  public record Pair(Mat gt, Mat lq) implements AutoCloseable {
    @Override
    public void close() {
      gt.close();
      lq.close();
    }
  }

  /**
   * The parameters of sample {@code position} of {@code epoch} under {@code seed}: a function of
   * the three numbers only.
   */
  public Params draw(long seed, long epoch, long position) {
    return draw(Seeds.stream(seed, Seeds.DEGRADE, epoch, position));
  }

  /** Draws the parameters in the reference's order from {@code rng}. */
  public Params draw(SplittableRandom rng) {
    boolean flip = rng.nextDouble() < config.flipProb();
    boolean gray = rng.nextDouble() < config.grayProb();
    boolean iso = rng.nextDouble() < config.isoProb();
    double sigmaX = uniform(rng, config.sigma());
    double sigmaY = sigmaX;
    double theta = 0;
    if (!iso) {
      sigmaY = uniform(rng, config.sigma());
      theta = -Math.PI + 2 * Math.PI * rng.nextDouble();
    }
    double scale = uniform(rng, config.downsample());
    double noiseSigma = uniform(rng, config.noise());
    int quality = (int) uniform(rng, config.jpegQuality());
    return new Params(
        flip, gray, sigmaX, sigmaY, theta, scale, noiseSigma, quality, rng.nextLong());
  }

  private static double uniform(SplittableRandom rng, DegradationConfig.Range r) {
    return r.min() + (r.max() - r.min()) * rng.nextDouble();
  }

  /**
   * Degrades {@code hq} with {@code p}.
   *
   * @param hq BGR {@code CV_32FC3} in [0, 1]; not modified
   * @return the ground truth and the degraded image, both {@code CV_32FC3} of {@code hq}'s size;
   *     the caller closes the pair
   */
  public Pair apply(Mat hq, Params p) {
    if (hq.empty() || hq.type() != CV_32FC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_32FC3 matrix");
    }
    Mat gt = groundTruth(hq, p);
    try {
      return new Pair(gt, degrade(gt, p));
    } catch (RuntimeException | Error e) {
      gt.close();
      throw e;
    }
  }

  /**
   * {@link #apply} on an 8-bit face: {@link #toFloat}, the degradation, and both images back to 8
   * bits with {@link #toEightBit}, as {@code gpen degrade} writes its pairs and the evaluations of
   * restored images score them.
   *
   * @param hq8 BGR {@code CV_8UC3}; not modified
   * @return the ground truth and the degraded image, both {@code CV_8UC3} of {@code hq8}'s size;
   *     the caller closes the pair
   */
  public Pair applyEightBit(Mat hq8, Params p) {
    try (Mat hq = toFloat(hq8);
        Pair pair = apply(hq, p)) {
      Mat gt8 = toEightBit(pair.gt());
      try {
        return new Pair(gt8, toEightBit(pair.lq()));
      } catch (RuntimeException | Error e) {
        gt8.close();
        throw e;
      }
    }
  }

  private static Mat groundTruth(Mat hq, Params p) {
    Mat gt = new Mat();
    if (p.flip()) {
      opencv_core.flip(hq, gt, 1);
    } else {
      hq.copyTo(gt);
    }
    if (p.gray()) {
      try (Mat gray = new Mat()) {
        cvtColor(gt, gray, COLOR_BGR2GRAY);
        cvtColor(gray, gt, COLOR_GRAY2BGR);
      }
    }
    return gt;
  }

  private Mat degrade(Mat gt, Params p) {
    int w = gt.cols();
    int h = gt.rows();
    try (Mat kernel = kernelMat(config.kernelSize(), p.sigmaX(), p.sigmaY(), p.theta());
        Mat blurred = new Mat()) {
      filter2D(gt, blurred, -1, kernel);
      try (Mat small =
              Images.resize(
                  blurred, downsampled(w, p.scale()), downsampled(h, p.scale()), INTER_LINEAR);
          Mat compressed = noiseAndJpeg(small, p)) {
        // The reference then rounds to 8-bit levels, which the decoded JPEG already holds.
        return Images.resize(compressed, w, h, INTER_LINEAR);
      }
    }
  }

  /**
   * {@code int(n // scale)} as Python computes it for floats (from {@code fmod}, which can differ
   * from {@code floor(n / scale)} when the quotient rounds up to an integer), at least 1 pixel
   * where the reference would fail on an empty image.
   */
  static int downsampled(int n, double scale) {
    double mod = n % scale;
    double div = (n - mod) / scale;
    double floor = Math.floor(div);
    if (div - floor > 0.5) {
      floor += 1;
    }
    return (int) Math.max(1, floor);
  }

  /** Noise, clip, 8-bit rounding, JPEG round trip; returns the decoded image as float. */
  private static Mat noiseAndJpeg(Mat small, Params p) {
    int n = small.rows() * small.cols() * 3;
    float[] px = new float[n];
    // small is a fresh resize output, so its rows are contiguous
    try (FloatPointer data = new FloatPointer(small.data())) {
      data.capacity(n).get(px);
    }
    if (p.noiseSigma() > 0) {
      addNoise(px, p.noiseSigma(), p.noiseSeed());
    }
    byte[] levels = new byte[n];
    for (int i = 0; i < n; i++) {
      float v = px[i];
      v = v < 0f ? 0f : (v > 1f ? 1f : v);
      // rint: round half to even, as saturate_cast<uchar>(float)
      levels[i] = (byte) (int) Math.rint(v * 255f);
    }
    try (Mat eight = new Mat(small.rows(), small.cols(), CV_8UC3);
        BytePointer target = new BytePointer(eight.data());
        BytePointer encoded = new BytePointer();
        IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, p.jpegQuality())) {
      target.capacity(n).put(levels);
      if (!imencode(".jpg", eight, encoded, params)) {
        throw new IllegalStateException("OpenCV could not encode a JPEG");
      }
      try (Mat bytes = new Mat(1, (int) encoded.limit(), CV_8UC1, encoded);
          Mat decoded = imdecode(bytes, IMREAD_COLOR)) {
        return toFloat(decoded);
      }
    }
  }

  /**
   * Adds Gaussian noise of standard deviation {@code sigma / 255} to every value, in float32 as
   * NumPy's {@code np.float32(randn(...)) * sigma / 255.} followed by the addition.
   */
  static void addNoise(float[] px, double sigma, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float s = (float) sigma;
    for (int i = 0; i < px.length; i++) {
      px[i] += (float) rng.nextGaussian() * s / 255f;
    }
  }

  /**
   * The blur kernel, row-major {@code size × size}, summing to 1: {@code exp(-½ xᵀΣ⁻¹x)} at {@code
   * x = (column − r, row − r)}, {@code Σ = R(θ)·diag(σx², σy²)·R(θ)ᵀ}, computed in double as NumPy
   * does.
   */
  static double[] kernel(int size, double sigmaX, double sigmaY, double theta) {
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    // Σ⁻¹ = R·diag(1/σx², 1/σy²)·Rᵀ
    double ix = 1 / (sigmaX * sigmaX);
    double iy = 1 / (sigmaY * sigmaY);
    double a = c * c * ix + s * s * iy;
    double b = c * s * (ix - iy);
    double d = s * s * ix + c * c * iy;
    int r = size / 2;
    double[] k = new double[size * size];
    double sum = 0;
    for (int row = 0; row < size; row++) {
      double y = row - r;
      for (int col = 0; col < size; col++) {
        double x = col - r;
        double v = Math.exp(-0.5 * (a * x * x + 2 * b * x * y + d * y * y));
        k[row * size + col] = v;
        sum += v;
      }
    }
    for (int i = 0; i < k.length; i++) {
      k[i] /= sum;
    }
    return k;
  }

  /** The kernel as the float64 matrix the reference hands to {@code filter2D}. */
  private static Mat kernelMat(int size, double sigmaX, double sigmaY, double theta) {
    Mat m = new Mat(size, size, CV_64FC1);
    try (DoublePointer data = new DoublePointer(m.data())) {
      data.capacity((long) size * size).put(kernel(size, sigmaX, sigmaY, theta));
    }
    return m;
  }

  /**
   * An 8-bit BGR image as BGR float in [0, 1]: each level k becomes {@code k / 255} in float32,
   * exactly as the reference's {@code astype(np.float32) / 255.}. The caller closes the result.
   */
  public static Mat toFloat(Mat bgr8) {
    if (bgr8.empty() || bgr8.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    Mat out = new Mat();
    try (Mat lut = new Mat(1, 256, CV_32FC1);
        FloatPointer table = new FloatPointer(lut.data())) {
      table.capacity(256).put(LEVELS);
      opencv_core.LUT(bgr8, lut, out);
    }
    return out;
  }

  /**
   * A float image in [0, 1] as 8-bit: {@code x·255} rounded to nearest (OpenCV's {@code
   * convertTo}), so {@link #toFloat} followed by this gives back the same bytes. The caller closes
   * the result.
   */
  public static Mat toEightBit(Mat bgrFloat) {
    if (bgrFloat.empty() || bgrFloat.type() != CV_32FC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_32FC3 matrix");
    }
    Mat out = new Mat();
    bgrFloat.convertTo(out, CV_8U, 255.0, 0.0);
    return out;
  }
}
