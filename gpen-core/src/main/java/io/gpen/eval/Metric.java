package io.gpen.eval;

import io.gpen.metrics.FrechetDistance;
import io.gpen.metrics.Lpips;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;
import java.io.Serializable;
import java.util.Objects;

/**
 * What a row of an evaluation is: the metric's name in reports, which direction is better, and
 * whether it has a value per image or only one of the whole set. The built-in metrics are the
 * constants here; a {@link Scorer} of one's own names its metric with {@link #perImage} or {@link
 * #ofSet}. Two metrics are equal when all three agree.
 */
public final class Metric implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Which values mean better images. */
  public enum Better {
    HIGHER,
    LOWER
  }

  /** Peak signal-to-noise ratio against the real face, dB, 8-bit full range. */
  public static final Metric PSNR = perImage(Psnr.NAME, Better.HIGHER);

  /** Structural similarity against the real face. */
  public static final Metric SSIM = perImage(Ssim.NAME, Better.HIGHER);

  /** LPIPS v0.1 (AlexNet) distance to the real face. */
  public static final Metric LPIPS = perImage(Lpips.NAME, Better.LOWER);

  /** Fréchet Inception distance of the set to the set of real faces. */
  public static final Metric FID = ofSet(FrechetDistance.NAME, Better.LOWER);

  /** Cosine similarity of face embeddings of the image and of the real face. */
  public static final Metric IDENTITY = perImage(IdentitySimilarity.NAME, Better.HIGHER);

  private final String label;
  private final Better better;
  private final boolean perImage;

  private Metric(String label, Better better, boolean perImage) {
    if (label.isBlank()) {
      throw new IllegalArgumentException("a metric needs a name");
    }
    this.label = label;
    this.better = Objects.requireNonNull(better, "better");
    this.perImage = perImage;
  }

  /** A metric with a value per image (the set's value is their mean), e.g. PSNR. */
  public static Metric perImage(String label, Better better) {
    return new Metric(label, better, true);
  }

  /** A metric with only a value of the whole set, e.g. FID. */
  public static Metric ofSet(String label, Better better) {
    return new Metric(label, better, false);
  }

  /** The name in reports, e.g. "PSNR" or "identity"; unique within an evaluation. */
  public String label() {
    return label;
  }

  /**
   * Whether a higher value means a better image (PSNR, SSIM, identity) or a lower one (LPIPS, FID).
   */
  public boolean higherIsBetter() {
    return better == Better.HIGHER;
  }

  /**
   * Whether the metric has a value per image (all built-in ones but FID, a value of the whole set).
   */
  public boolean perImage() {
    return perImage;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metric m
        && label.equals(m.label)
        && better == m.better
        && perImage == m.perImage;
  }

  @Override
  public int hashCode() {
    return Objects.hash(label, better, perImage);
  }

  @Override
  public String toString() {
    return label;
  }
}
