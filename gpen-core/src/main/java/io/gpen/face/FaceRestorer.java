package io.gpen.face;

import io.gpen.api.Restorer;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** What the photo pipeline needs of a face restoration model: its input size and a batch call. */
public interface FaceRestorer {
  /** Side of the square aligned faces it takes and gives. */
  int size();

  /**
   * Restores aligned size×size BGR faces; returns new size×size BGR images in the same order,
   * which the caller closes.
   */
  List<Mat> restore(List<Mat> faces);

  /** A GPEN {@link Restorer} seen as a face restorer (it batches as it was built to). */
  static FaceRestorer of(Restorer restorer) {
    return new FaceRestorer() {
      @Override
      public int size() {
        return restorer.size();
      }

      @Override
      public List<Mat> restore(List<Mat> faces) {
        return restorer.restore(faces);
      }
    };
  }
}
