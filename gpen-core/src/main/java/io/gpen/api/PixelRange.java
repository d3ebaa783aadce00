package io.gpen.api;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.gpen.image.ModelIo;
import java.nio.ByteBuffer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The values a GPEN network takes and gives for 8-bit pixels: the reference {@code FaceGAN}'s
 * {@code is_norm}. Both resize the face bilinearly to the model size, lay it out as channel-major
 * RGB (red plane first) in float32 and, on the way out, clip to the range, scale by 255 and
 * truncate to 8 bits, as {@code tensor2img} does.
 */
public enum PixelRange {
  /**
   * [-1, 1] ({@code is_norm=True}): {@code (v / 255 - 0.5) / 0.5} in, {@code x * 0.5 + 0.5} out;
   * every restoration, colourisation and inpainting model ({@link ModelIo}).
   */
  SIGNED,
  /**
   * [0, 1] ({@code is_norm=False}): {@code v / 255} in, {@code x} out; the reference runs its
   * Seg2Face model so.
   */
  UNIT;

  /** {@code v / 255} in float32, as {@code torch.from_numpy(img) / 255.} gives on the CPU. */
  private static final float[] UNIT_LEVELS = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      UNIT_LEVELS[v] = v / 255f;
    }
  }

  /**
   * Writes the model input for {@code bgr} (a {@code CV_8UC3} image of any size, not modified) into
   * {@code dst[offset .. offset + 3·size·size)}.
   */
  public void toModelInput(Mat bgr, int size, float[] dst, int offset) {
    if (this == SIGNED) {
      ModelIo.toModelInput(bgr, size, dst, offset);
    } else {
      ModelIo.toModelInput(bgr, size, dst, offset, UNIT_LEVELS);
    }
  }

  /**
   * The 8-bit BGR image for the model output at {@code chw[offset .. offset + 3·size·size)} (red
   * plane first); the caller closes it.
   */
  public Mat fromModelOutput(float[] chw, int offset, int size) {
    if (this == SIGNED) {
      return ModelIo.fromModelOutput(chw, offset, size);
    }
    int plane = size * size;
    if (offset < 0 || chw.length - offset < 3 * plane) {
      throw new IllegalArgumentException(
          "model output too small: "
              + chw.length
              + " floats from offset "
              + offset
              + " for "
              + 3 * plane);
    }
    Mat out = new Mat(size, size, CV_8UC3);
    ByteBuffer px = pixels(out);
    for (int o = 0, i = 0; o < plane; o++, i += 3) {
      px.put(i, unitLevel(chw[offset + 2 * plane + o]));
      px.put(i + 1, unitLevel(chw[offset + plane + o]));
      px.put(i + 2, unitLevel(chw[offset + o]));
    }
    return out;
  }

  /** {@code np.clip(x, 0, 1) * 255} in float32, truncated as {@code astype(np.uint8)}. */
  static byte unitLevel(float x) {
    // NaN passes both comparisons and becomes 0 in the cast, as NumPy's cast gives on x86
    float y = x < 0f ? 0f : (x > 1f ? 1f : x);
    return (byte) (int) (y * 255f);
  }

  private static ByteBuffer pixels(Mat m) {
    long bytes = (m.rows() - 1) * m.step() + (long) m.cols() * m.elemSize();
    return m.data().capacity(bytes).asByteBuffer();
  }
}
