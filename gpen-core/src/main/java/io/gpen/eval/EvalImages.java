package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.nio.ByteBuffer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/** Conversions between the data loader's float faces and the 8-bit images the metrics score. */
public final class EvalImages {
  private EvalImages() {}

  /**
   * The 8-bit BGR image of a face in the model's layout ({@code chw[offset ..]}: red, green and
   * blue planes of size×size floats in [-1, 1]), each value {@code (x·0.5 + 0.5)·255} rounded to
   * the nearest level and clipped to 0–255.
   *
   * <p>Rounded, not truncated as {@link io.gpen.image.ModelIo#fromModelOutput} truncates a model's
   * output (the reference's {@code astype(uint8)}): the loader's faces are 8-bit levels k stored as
   * {@code (k/255 − 0.5)/0.5}, which truncation would give back as k − 1 for about half of the
   * levels, and its degraded faces are what {@code gpen degrade} writes, rounded ({@link
   * io.gpen.data.Degradation#toEightBit}). The caller closes the result.
   */
  public static Mat toEightBit(float[] chw, int offset, int size) {
    int plane = size * size;
    if (size < 1 || offset < 0 || chw.length - offset < 3 * plane) {
      throw new IllegalArgumentException(
          "a "
              + size
              + "x"
              + size
              + " face needs "
              + 3 * plane
              + " floats from offset "
              + offset
              + ", got "
              + chw.length);
    }
    Mat out = new Mat(size, size, CV_8UC3);
    ByteBuffer px = out.data().capacity(3L * plane).asByteBuffer();
    for (int o = 0, i = 0; o < plane; o++, i += 3) {
      px.put(i, level(chw[offset + 2 * plane + o]));
      px.put(i + 1, level(chw[offset + plane + o]));
      px.put(i + 2, level(chw[offset + o]));
    }
    return out;
  }

  private static byte level(float x) {
    float v = (x * 0.5f + 0.5f) * 255f;
    // NaN fails both tests and Math.round makes it 0
    return (byte) Math.round(v < 0f ? 0f : (v > 255f ? 255f : v));
  }

  /** The images side by side, left to right, in a new image (all of one height and type). */
  public static Mat sideBySide(Mat... images) {
    Mat out = new Mat();
    try (MatVector v = new MatVector(images)) {
      opencv_core.hconcat(v, out);
    }
    return out;
  }
}
