package io.gpen.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.GpenException;
import java.nio.ByteBuffer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * GPEN's conversions between 8-bit BGR images and the model's float tensors, with the float32
 * arithmetic of the reference {@code face_gan.py} on the CPU.
 *
 * <p>Model side: channel-major RGB ({@code [3][size][size]}, red plane first) in [-1, 1], as a
 * float array that the model code turns into a tensor. The arithmetic is float32 step by step, as
 * in PyTorch: in {@code x / 255}, {@code (x - 0.5) / 0.5}, {@code x * 0.5 + 0.5} and {@code x *
 * 255} each operation is rounded to float, with a true division (PyTorch's CUDA kernels multiply by
 * the reciprocal instead, which can differ by one unit in the last place).
 *
 * <p>A consequence of the reference's arithmetic: an identity model does not give back the input.
 * The pixel values 1 to 63 come back one lower, because {@code v/255} normalised and mapped back
 * lands just below {@code v} and the output is truncated, not rounded.
 */
public final class ModelIo {
  /** The normalised value of each 8-bit level: ((v / 255) - 0.5) / 0.5 in float32. */
  private static final float[] LEVELS = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      LEVELS[v] = ((v / 255f) - 0.5f) / 0.5f;
    }
  }

  private ModelIo() {}

  /** As {@link #toModelInput(Mat, int, float[], int)} into a new array of 3·size·size floats. */
  public static float[] toModelInput(Mat bgr, int size) {
    float[] out = new float[3 * size * size];
    toModelInput(bgr, size, out, 0);
    return out;
  }

  /**
   * Writes the model input for {@code bgr} into {@code dst[offset .. offset + 3·size·size)}: the
   * image resized to size×size with bilinear interpolation (skipped when it already has that size,
   * where OpenCV would copy it unchanged), normalised to [-1, 1], red plane first.
   *
   * @param bgr a {@code CV_8UC3} image of any size; it is not modified
   */
  public static void toModelInput(Mat bgr, int size, float[] dst, int offset) {
    toModelInput(bgr, size, dst, offset, LEVELS);
  }

  /**
   * As {@link #toModelInput(Mat, int, float[], int)} with another value for each 8-bit level
   * ({@code levels[v]}, 256 of them): the model input of another pixel range.
   */
  public static void toModelInput(Mat bgr, int size, float[] dst, int offset, float[] levels) {
    if (levels.length != 256) {
      throw new IllegalArgumentException("levels must hold 256 values, got " + levels.length);
    }
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    int plane = checkSize(size);
    if (offset < 0 || dst.length - offset < 3 * plane) {
      throw new IllegalArgumentException(
          "destination too small: "
              + dst.length
              + " floats from offset "
              + offset
              + " for "
              + 3 * plane);
    }
    boolean resize = bgr.cols() != size || bgr.rows() != size;
    Mat src = resize ? Images.resize(bgr, size, size, INTER_LINEAR) : bgr;
    try {
      ByteBuffer px = pixels(src);
      long step = src.step();
      int r = offset;
      int g = offset + plane;
      int b = offset + 2 * plane;
      for (int y = 0, o = 0; y < size; y++) {
        int i = (int) (y * step);
        for (int x = 0; x < size; x++, o++, i += 3) {
          dst[b + o] = levels[px.get(i) & 0xFF];
          dst[g + o] = levels[px.get(i + 1) & 0xFF];
          dst[r + o] = levels[px.get(i + 2) & 0xFF];
        }
      }
    } finally {
      if (resize) {
        src.close();
      }
    }
  }

  /**
   * The 8-bit BGR image for the model output at {@code chw[offset .. offset + 3·size·size)} (red
   * plane first): {@code x * 0.5 + 0.5}, clipped to [0, 1], times 255, truncated toward zero as
   * NumPy's {@code astype(np.uint8)} does. The caller closes the returned matrix.
   *
   * <p>Every restorer's output passes through here, so this is where a broken model is caught: an
   * output holding NaN or infinity (which the reference would write as a black or saturated image)
   * is refused.
   *
   * @throws GpenException when the output holds NaN or infinity, with their number
   */
  public static Mat fromModelOutput(float[] chw, int offset, int size) {
    int plane = checkSize(size);
    if (offset < 0 || chw.length - offset < 3 * plane) {
      throw new IllegalArgumentException(
          "model output too small: "
              + chw.length
              + " floats from offset "
              + offset
              + " for "
              + 3 * plane);
    }
    int nonFinite = 0;
    for (int i = offset, end = offset + 3 * plane; i < end; i++) {
      if (!Float.isFinite(chw[i])) {
        nonFinite++;
      }
    }
    if (nonFinite > 0) {
      throw new GpenException(
          "the model produced "
              + nonFinite
              + " non-finite values (NaN or"
              + " infinity) in a "
              + size
              + "x"
              + size
              + " output instead of an image: its weights or"
              + " its input are damaged");
    }
    Mat out = new Mat(size, size, CV_8UC3);
    ByteBuffer px = pixels(out);
    int r = offset;
    int g = offset + plane;
    int b = offset + 2 * plane;
    for (int o = 0, i = 0; o < plane; o++, i += 3) {
      px.put(i, toLevel(chw[b + o]));
      px.put(i + 1, toLevel(chw[g + o]));
      px.put(i + 2, toLevel(chw[r + o]));
    }
    return out;
  }

  private static byte toLevel(float x) {
    float y = x * 0.5f + 0.5f;
    y = y < 0f ? 0f : (y > 1f ? 1f : y);
    return (byte) (int) (y * 255f);
  }

  private static int checkSize(int size) {
    if (size < 1 || size > 16384) {
      throw new IllegalArgumentException("model size must be 1 to 16384, got " + size);
    }
    return size * size;
  }

  /** A view of the matrix's bytes, rows {@code step()} apart (no copy). */
  private static ByteBuffer pixels(Mat m) {
    long bytes = (m.rows() - 1) * m.step() + (long) m.cols() * m.elemSize();
    return m.data().capacity(bytes).asByteBuffer();
  }
}
