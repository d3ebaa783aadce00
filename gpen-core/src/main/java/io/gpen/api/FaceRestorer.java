package io.gpen.api;

import io.gpen.model.GpenConfig;
import java.util.List;
import java.util.Optional;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A face restoration model, whatever runs it: aligned square faces in, restored faces out. {@link
 * Restorer} runs GPEN on libtorch and {@link io.gpen.onnx.OnnxRestorer} an ONNX model in ONNX
 * Runtime; {@link io.gpen.workflow.ModelSpec#open} opens either ({@link Engine}).
 *
 * <p>Implementations run one batch at a time, so one restorer may be shared by several threads.
 * Close it to free the model; a closed restorer refuses further calls.
 */
public interface FaceRestorer extends AutoCloseable {
  /**
   * Side of the square faces it gives, in pixels; it takes aligned faces of this side too (they are
   * resized to {@link #inputSize()} where that is smaller).
   */
  int size();

  /** Side the model reads, in pixels: {@link #size()} except for a {@code FullGenerator_SR}. */
  default int inputSize() {
    return size();
  }

  /**
   * Restores faces: {@code CV_8UC3} BGR images of any size (resized to the model's); returns new
   * size×size BGR images in the same order, which the caller closes.
   */
  List<Mat> restore(List<Mat> faces);

  /** Restores one face; the caller closes the result. */
  default Mat restore(Mat bgr) {
    return restore(List.of(bgr)).get(0);
  }

  /** What was loaded and how it runs, for logs. */
  String description();

  /**
   * The GPEN architecture where the restorer knows it (a checkpoint does, an ONNX model does not).
   */
  default Optional<GpenConfig> architecture() {
    return Optional.empty();
  }

  @Override
  void close();
}
