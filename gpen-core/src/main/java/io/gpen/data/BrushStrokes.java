package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * The random brush strokes GPEN's {@code demo.py} paints white over a face before inpainting
 * ({@code brush_stroke_mask}), seeded. Each mask has 1 to 3 strokes; a stroke starts at a random
 * pixel and goes through 8 to 27 more vertices, alternately turning by about ±72° (a mean angle of
 * 2π/5 with a random spread of up to 2π/15 either way), each step a normal length (mean: a
 * diagonal/8, deviation: half of it rounded down, clipped to 0 and twice the mean) clipped to the
 * image; it is drawn as a polyline 12 to 79 pixels wide with a disc at every vertex.
 *
 * <p>The draws are those of NumPy's legacy generator, number for number ({@link NumpyRandom}):
 * {@code new BrushStrokes(s)} gives the strokes the demo draws after {@code np.random.seed(s)}, one
 * mask after another as the demo goes through its sorted inputs. Two differences: the demo takes
 * the x coordinates from the image height and the y coordinates from its width (it unpacks PIL's
 * {@code (width, height)} size as {@code h, w}), which is the same for the square faces it inpaints
 * and here follows the width and height; and the strokes are rasterised by OpenCV (thick lines,
 * filled circles of radius {@code width / 2}) rather than PIL, so their edges may differ by a
 * pixel.
 *
 * <p>Not thread-safe: each instance is one random stream.
 */
public final class BrushStrokes {
  /** Strokes per mask: 1 to 3 ({@code randint(1, 4)}). */
  public static final int MIN_STROKES = 1;

  public static final int MAX_STROKES = 3;

  /** Vertices after the start point: 8 to 27 ({@code randint(8, 28)}). */
  public static final int MIN_VERTICES = 8;

  public static final int MAX_VERTICES = 27;

  /** Stroke width in pixels: 12 to 79 ({@code int(uniform(12, 80))}). */
  public static final int MIN_WIDTH = 12;

  public static final int MAX_WIDTH = 79;

  private static final double MEAN_ANGLE = 2 * Math.PI / 5;
  private static final double ANGLE_RANGE = 2 * Math.PI / 15;

  private final NumpyRandom random;

  /**
   * The strokes after {@code np.random.seed(seed)}.
   *
   * @param seed 0 to 2³²−1, as NumPy's legacy seeding takes
   * @throws IllegalArgumentException for a seed out of that range
   */
  public BrushStrokes(long seed) {
    this.random = new NumpyRandom(seed);
  }

  /**
   * One stroke: its width and its points, the start point first and then one per vertex.
   *
   * @param xs the x coordinate of each point, 0 to the image width
   * @param ys the y coordinate of each point, 0 to the image height
   */
  public record Stroke(int width, int[] xs, int[] ys) {
    /** The vertices after the start point. */
    public int vertices() {
      return xs.length - 1;
    }
  }

  /** The strokes of the next mask, for an image of {@code width}×{@code height} pixels. */
  public List<Stroke> next(int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    double averageRadius = StrictMath.sqrt((double) height * height + (double) width * width) / 8;
    int strokes = (int) random.randint(MIN_STROKES, MAX_STROKES + 1);
    List<Stroke> out = new ArrayList<>(strokes);
    for (int s = 0; s < strokes; s++) {
      int vertices = (int) random.randint(MIN_VERTICES, MAX_VERTICES + 1);
      double angleMin = MEAN_ANGLE - random.uniform(0, ANGLE_RANGE);
      double angleMax = MEAN_ANGLE + random.uniform(0, ANGLE_RANGE);
      double[] angles = new double[vertices];
      for (int i = 0; i < vertices; i++) {
        double a = random.uniform(angleMin, angleMax);
        angles[i] = i % 2 == 0 ? 2 * Math.PI - a : a;
      }
      int[] xs = new int[vertices + 1];
      int[] ys = new int[vertices + 1];
      xs[0] = (int) random.randint(0, width);
      ys[0] = (int) random.randint(0, height);
      for (int i = 0; i < vertices; i++) {
        double r =
            clip(random.normal(averageRadius, Math.floor(averageRadius / 2)), 0, 2 * averageRadius);
        xs[i + 1] = (int) clip(xs[i] + r * StrictMath.cos(angles[i]), 0, width);
        ys[i + 1] = (int) clip(ys[i] + r * StrictMath.sin(angles[i]), 0, height);
      }
      int strokeWidth = (int) random.uniform(MIN_WIDTH, MAX_WIDTH + 1);
      out.add(new Stroke(strokeWidth, xs, ys));
    }
    return out;
  }

  /**
   * The strokes as a mask: a new {@code CV_8U} image of {@code width}×{@code height}, 255 where a
   * stroke passes and 0 elsewhere. The caller closes it.
   */
  public static Mat mask(List<Stroke> strokes, int width, int height) {
    Mat mask = new Mat(height, width, CV_8U, Scalar.all(0));
    try (Scalar white = Scalar.all(255)) {
      for (Stroke s : strokes) {
        for (int i = 0; i < s.xs().length; i++) {
          try (Point p = new Point(s.xs()[i], s.ys()[i])) {
            if (i > 0) {
              try (Point q = new Point(s.xs()[i - 1], s.ys()[i - 1])) {
                opencv_imgproc.line(mask, q, p, white, s.width(), LINE_8, 0);
              }
            }
            opencv_imgproc.circle(mask, p, s.width() / 2, white, FILLED, LINE_8, 0);
          }
        }
      }
    }
    return mask;
  }

  private static double clip(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }
}
