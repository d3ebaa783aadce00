package io.gpen.eval;

import static org.bytedeco.opencv.global.opencv_core.NORM_L1;

import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A metric of one's own, as a library user writes one: the mean absolute difference of an image
 * from its real face, in 8-bit levels, per image.
 */
public final class MeanAbsoluteError implements Scorer {
  /** Its row in the reports. */
  public static final Metric METRIC = Metric.perImage("MAE", Metric.Better.LOWER);

  private final PerImageScores scores = new PerImageScores(METRIC);

  @Override
  public Metric metric() {
    return METRIC;
  }

  @Override
  public void add(List<Mat> degraded, List<Mat> restored, List<Mat> real) {
    scores.addEach(degraded, restored, real, MeanAbsoluteError::of);
  }

  @Override
  public Evaluation.Scores finish() {
    return scores.scores();
  }

  /** The mean absolute difference of two 8-bit images of one size and type. */
  public static double of(Mat image, Mat real) {
    try (Mat noMask = new Mat()) {
      return opencv_core.norm(image, real, NORM_L1, noMask)
          / ((double) image.total() * image.channels());
    }
  }
}
