package io.gpen.eval;

import io.gpen.metrics.FrechetDistance;
import io.gpen.metrics.Lpips;
import io.gpen.metrics.Psnr;
import io.gpen.metrics.Ssim;

/** The metrics of an evaluation, in the order they are reported. */
public enum Metric {
  /** Peak signal-to-noise ratio against the real face, dB, 8-bit full range. */
  PSNR(Psnr.NAME, true, true),
  /** Structural similarity against the real face. */
  SSIM(Ssim.NAME, true, true),
  /** LPIPS v0.1 (AlexNet) distance to the real face. */
  LPIPS(Lpips.NAME, false, true),
  /** Fréchet Inception distance of the set to the set of real faces. */
  FID(FrechetDistance.NAME, false, false),
  /** Cosine similarity of face embeddings of the image and of the real face. */
  IDENTITY(IdentitySimilarity.NAME, true, true);

  private final String label;
  private final boolean higherIsBetter;
  private final boolean perImage;

  Metric(String label, boolean higherIsBetter, boolean perImage) {
    this.label = label;
    this.higherIsBetter = higherIsBetter;
    this.perImage = perImage;
  }

  /** The name in reports, e.g. "PSNR" or "identity". */
  public String label() {
    return label;
  }

  /** Whether a higher value means a better image (PSNR, SSIM, identity) or a lower one (LPIPS, FID). */
  public boolean higherIsBetter() {
    return higherIsBetter;
  }

  /** Whether the metric has a value per image (all but FID, a value of the whole set). */
  public boolean perImage() {
    return perImage;
  }
}
