package io.gpen.video;

import static org.bytedeco.opencv.global.opencv_core.NORM_L1;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatExpr;

/**
 * Measures flicker: the mean absolute change of the 8-bit samples from one frame to the next inside
 * the restored faces, that is where the paste mask is at least one half in both frames. The same is
 * measured on the input frames over the same pixels, which tells how much of the change is the
 * video's own (motion, noise). Means are over every such sample of the video.
 *
 * <p>Keeps a copy of the previous frame, its restoration and mask; close it to free them.
 */
public final class Flicker implements AutoCloseable {
  private Mat previousInput;
  private Mat previousOutput;
  private Mat previousRegion;
  private double inputSum;
  private double outputSum;
  private long samples;

  /**
   * Adds the next frame: {@code input} and {@code output} 8-bit BGR, {@code mask} the paste mask
   * ({@code CV_32F}, 0 to 1), or null for a frame without faces (which ends the comparison).
   */
  public void add(Mat input, Mat output, Mat mask) {
    if (mask == null) {
      forget();
      return;
    }
    Mat region;
    try (MatExpr inside = opencv_core.greaterThanEquals(mask, 0.5)) {
      region = inside.asMat();
    }
    if (previousRegion != null) {
      try (Mat both = new Mat()) {
        opencv_core.bitwise_and(region, previousRegion, both);
        int pixels = opencv_core.countNonZero(both);
        if (pixels > 0) {
          outputSum += opencv_core.norm(output, previousOutput, NORM_L1, both);
          inputSum += opencv_core.norm(input, previousInput, NORM_L1, both);
          samples += (long) pixels * input.channels();
        }
      }
    }
    forget();
    previousInput = input.clone();
    previousOutput = output.clone();
    previousRegion = region;
  }

  /**
   * The mean absolute frame-to-frame change of the restored frames in the faces; NaN before two
   * frames with faces.
   */
  public double output() {
    return samples == 0 ? Double.NaN : outputSum / samples;
  }

  /** The same on the input frames, over the same pixels. */
  public double input() {
    return samples == 0 ? Double.NaN : inputSum / samples;
  }

  private void forget() {
    for (Mat m : new Mat[] {previousInput, previousOutput, previousRegion}) {
      if (m != null) {
        m.close();
      }
    }
    previousInput = null;
    previousOutput = null;
    previousRegion = null;
  }

  @Override
  public void close() {
    forget();
  }
}
