package io.gpen.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.Objects;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * An 8-bit BGR picture (OpenCV {@code CV_8UC3}) with an optional 8-bit alpha plane ({@code
 * CV_8UC1}, same size), as read from a file or about to be written to one.
 *
 * <p>The image owns both native matrices: {@link #close()} frees them. It also remembers how the
 * file stored its samples (channel count and bits per sample) so that callers can report it.
 */
public final class Image implements AutoCloseable {
  private final Mat bgr;
  private final Mat alpha;
  private final int sourceChannels;
  private final int sourceBitDepth;

  /**
   * Takes ownership of {@code bgr} and of {@code alpha} (which may be null); the source is recorded
   * as 8-bit with 3 or 4 channels.
   */
  public Image(Mat bgr, Mat alpha) {
    this(bgr, alpha, alpha == null ? 3 : 4, 8);
  }

  Image(Mat bgr, Mat alpha, int sourceChannels, int sourceBitDepth) {
    Objects.requireNonNull(bgr, "bgr");
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("colour plane must be a non-empty CV_8UC3 matrix");
    }
    if (alpha != null
        && (alpha.type() != CV_8UC1 || alpha.cols() != bgr.cols() || alpha.rows() != bgr.rows())) {
      throw new IllegalArgumentException("alpha plane must be CV_8UC1 of the colour plane's size");
    }
    this.bgr = bgr;
    this.alpha = alpha;
    this.sourceChannels = sourceChannels;
    this.sourceBitDepth = sourceBitDepth;
  }

  /** The colour samples, blue-green-red, 8 bits each. Owned by this image. */
  public Mat bgr() {
    return bgr;
  }

  /** The alpha plane when the file had one. Owned by this image. */
  public Optional<Mat> alpha() {
    return Optional.ofNullable(alpha);
  }

  public int width() {
    return bgr.cols();
  }

  public int height() {
    return bgr.rows();
  }

  /**
   * Channels of the file as OpenCV decodes it unchanged: 1 grey, 3 colour, 4 with alpha (grey with
   * alpha and palettes come expanded to colour).
   */
  public int sourceChannels() {
    return sourceChannels;
  }

  /** Bits per sample the file stores (8 or 16 for ordinary PNG, JPEG, TIFF). */
  public int sourceBitDepth() {
    return sourceBitDepth;
  }

  /** For messages: {@code 1328x568, 4 channels, 8-bit}. */
  @Override
  public String toString() {
    return width()
        + "x"
        + height()
        + ", "
        + sourceChannels
        + " channel"
        + (sourceChannels == 1 ? "" : "s")
        + ", "
        + sourceBitDepth
        + "-bit";
  }

  @Override
  public void close() {
    bgr.close();
    if (alpha != null) {
      alpha.close();
    }
  }
}
