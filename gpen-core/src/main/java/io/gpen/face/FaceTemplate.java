package io.gpen.face;

/**
 * Where GPEN's alignment puts the five landmarks in a size×size face crop ({@code
 * get_reference_facial_points} of {@code align_faces.py} with {@code default_square=True}, inner
 * padding 0.25, no outer padding): the 96×112 reference points moved 8 px right to make a 112×112
 * square, padded by 28 px on every side to 168×168, then scaled by size/168.
 */
public final class FaceTemplate {
  /** REFERENCE_FACIAL_POINTS of the 96×112 crop: eyes, nose, mouth corners, picture-left first. */
  private static final double[] REFERENCE = {
    30.29459953, 51.69630051,
    65.53179932, 51.50139999,
    48.02519989, 71.73660278,
    33.54930115, 92.3655014,
    62.72990036, 92.20410156
  };

  private static final double SQUARE_SHIFT_X = (112 - 96) / 2.0;
  private static final double INNER_PADDING = 112 * 0.25;
  private static final double PADDED_SIDE = 112 + 2 * INNER_PADDING;

  private FaceTemplate() {}

  /** The five points for a crop of side {@code size}, as {@code x0, y0, x1, y1, ...}. */
  public static double[] forSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("face size must be positive, got " + size);
    }
    double scale = size / PADDED_SIDE;
    double[] out = new double[REFERENCE.length];
    for (int i = 0; i < REFERENCE.length; i += 2) {
      out[i] = (REFERENCE[i] + SQUARE_SHIFT_X + INNER_PADDING) * scale;
      out[i + 1] = (REFERENCE[i + 1] + INNER_PADDING) * scale;
    }
    return out;
  }
}
