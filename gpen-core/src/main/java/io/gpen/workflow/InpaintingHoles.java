package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.data.BrushStrokes;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * The missing parts of the faces an inpainting fills: one mask image for every face, or the demo's
 * random brush strokes, a new mask for each face in input order. {@link #paint} paints them white
 * (255 in every channel), as the reference demo does before the model sees the face.
 */
final class InpaintingHoles implements AutoCloseable {
  /** Grey levels from this up are missing in a mask image. */
  static final int MISSING_FROM = 128;

  /** The mask image as 0/255, or null for strokes. */
  private final Mat mask;

  private final Path maskFile;
  private final BrushStrokes strokes;

  private InpaintingHoles(Mat mask, Path maskFile, BrushStrokes strokes) {
    this.mask = mask;
    this.maskFile = maskFile;
    this.strokes = strokes;
  }

  /**
   * The holes of a mask image: pixels whose grey level is at least {@link #MISSING_FROM} (white)
   * are missing.
   *
   * @throws BadParameter naming {@code holeMask} when the image cannot be read
   */
  static InpaintingHoles maskImage(Path file) {
    try (Image image = Images.read(file);
        Mat grey = new Mat()) {
      opencv_imgproc.cvtColor(image.bgr(), grey, COLOR_BGR2GRAY);
      Mat binary = new Mat();
      opencv_imgproc.threshold(grey, binary, MISSING_FROM - 1, 255, THRESH_BINARY);
      return new InpaintingHoles(binary, file, null);
    } catch (GpenException e) {
      throw BadParameter.naming("holeMask", e);
    }
  }

  /** The demo's random brush strokes after {@code np.random.seed(seed)}. */
  static InpaintingHoles strokes(long seed) {
    return new InpaintingHoles(null, null, new BrushStrokes(seed));
  }

  /**
   * The 0/255 {@code CV_8U} mask of the next face, of {@code width}×{@code height}: the mask image
   * (resized with nearest neighbour when its size differs) or the next strokes. The caller closes
   * it.
   */
  Mat next(int width, int height) {
    if (strokes != null) {
      return BrushStrokes.mask(strokes.next(width, height), width, height);
    }
    if (mask.cols() == width && mask.rows() == height) {
      return mask.clone();
    }
    return Images.resize(mask, width, height, INTER_NEAREST);
  }

  /**
   * A copy of {@code bgr} with the next face's missing parts painted white; the caller closes it.
   */
  Mat paint(Mat bgr) {
    Mat painted = bgr.clone();
    try (Mat holes = next(bgr.cols(), bgr.rows());
        Scalar level = Scalar.all(255);
        Mat white = new Mat(bgr.rows(), bgr.cols(), CV_8UC3, level)) {
      white.copyTo(painted, holes);
    }
    return painted;
  }

  /** Where the holes come from, for logs. */
  String description() {
    return strokes != null
        ? "missing parts: the demo's random brush strokes"
        : "missing parts: white in " + maskFile;
  }

  @Override
  public void close() {
    if (mask != null) {
      mask.close();
    }
  }
}
