package io.gpen.workflow;

import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;

/** The pixels of images, to compare them exactly. */
final class Bytes {
  private Bytes() {}

  /** The bytes of a matrix, row after row. */
  static byte[] of(Mat m) {
    byte[] out = new byte[(int) (m.total() * m.channels())];
    try (Mat dense = m.clone()) {
      dense.data().capacity(out.length).get(out);
    }
    return out;
  }

  /** The colour bytes of an image file. */
  static byte[] of(Path file) {
    try (Image image = Images.read(file)) {
      return of(image.bgr());
    }
  }
}
