package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import io.gpen.GpenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.FaceDetectorYN;

/**
 * OpenCV's YuNet face detector ({@code FaceDetectorYN} with an ONNX model of the OpenCV zoo), a
 * small and fast alternative to RetinaFace behind the same interface: overlap 0.3 (the zoo's
 * default), large photos downscaled as for RetinaFace, and a score threshold of 0.8 rather than the
 * zoo demo's 0.9: YuNet's scores run lower than RetinaFace's (on the Solvay 1927 photo all 29 clear
 * faces score 0.89 to 0.94, and nothing else reaches 0.5), so 0.9 drops real faces at random.
 *
 * <p>YuNet lists each face's points as the subject's right eye, left eye, nose tip, right and left
 * mouth corners; the subject's right is the picture's left, so this is already GPEN's order (see
 * {@link DetectedFace}).
 */
public final class YuNetDetector implements FaceDetector {
  static final float SCORE_THRESHOLD = 0.8f;
  static final float NMS_THRESHOLD = 0.3f;
  static final int TOP_K = 5000;

  /** Columns of a detection row: box x, y, w, h, five landmarks (x, y), score. */
  private static final int COLUMNS = 15;

  private final FaceDetectorYN detector;
  private final String description;

  private YuNetDetector(FaceDetectorYN detector, String description) {
    this.detector = detector;
    this.description = description;
  }

  /**
   * Loads a YuNet ONNX model.
   *
   * @throws GpenException naming the file when it is missing or OpenCV cannot load it
   */
  public static YuNetDetector load(Path model) {
    if (!Files.isRegularFile(model)) {
      throw new GpenException(model + ": YuNet model file not found");
    }
    FaceDetectorYN d;
    try (Size initial = new Size(320, 320)) {
      d =
          FaceDetectorYN.create(
              model.toString(), "", initial, SCORE_THRESHOLD, NMS_THRESHOLD, TOP_K, 0, 0);
    } catch (RuntimeException e) {
      throw new GpenException(
          model + ": not a YuNet ONNX model OpenCV can load (" + firstLine(e.getMessage()) + ")",
          e);
    }
    if (d == null || d.isNull()) {
      throw new GpenException(model + ": not a YuNet ONNX model OpenCV can load");
    }
    return new YuNetDetector(d, "YuNet (OpenCV FaceDetectorYN) from " + model);
  }

  private static String firstLine(String s) {
    String m = String.valueOf(s).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public List<DetectedFace> detect(Mat bgr) {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    double ss = Detections.detectionScale(bgr.cols(), bgr.rows());
    Mat input = bgr;
    if (ss != 1.0) {
      input = new Mat();
      try (Size auto = new Size(0, 0)) {
        opencv_imgproc.resize(bgr, input, auto, ss, ss, opencv_imgproc.INTER_LINEAR);
      }
    }
    List<DetectedFace> faces = new ArrayList<>();
    try (Size size = new Size(input.cols(), input.rows());
        Mat out = new Mat()) {
      detector.setInputSize(size);
      detector.detect(input, out);
      if (!out.empty()) {
        if (out.type() != CV_32F || out.cols() != COLUMNS) {
          throw new IllegalStateException("unexpected YuNet output of " + out.cols() + " columns");
        }
        try (FloatIndexer ix = out.createIndexer()) {
          for (int r = 0; r < out.rows(); r++) {
            double[] points = new double[2 * DetectedFace.POINTS];
            for (int k = 0; k < points.length; k++) {
              points[k] = ix.get(r, 4 + k) / ss;
            }
            double x = ix.get(r, 0) / ss;
            double y = ix.get(r, 1) / ss;
            faces.add(
                new DetectedFace(
                    x, y, x + ix.get(r, 2) / ss, y + ix.get(r, 3) / ss, ix.get(r, 14), points));
          }
        }
      }
    } finally {
      if (input != bgr) {
        input.close();
      }
    }
    faces.sort((a, b) -> Double.compare(b.score(), a.score()));
    return faces;
  }

  @Override
  public void close() {
    detector.close();
  }
}
