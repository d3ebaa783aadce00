package io.gpen.metrics;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** 8-bit BGR images as the float RGB batches the metric networks take. */
final class ImageTensors {
  private ImageTensors() {}

  /**
   * A new float32 CPU tensor [N,3,H,W], RGB, each level v as v/255 in float32 (torchvision's {@code
   * ToTensor}, which pytorch-fid and LPIPS use to read images).
   *
   * @param bgr non-empty list of {@code CV_8UC3} images of one size
   * @throws IllegalArgumentException for another type or mixed sizes
   */
  static Tensor rgb01(List<Mat> bgr) {
    if (bgr.isEmpty()) {
      throw new IllegalArgumentException("no images");
    }
    int h = bgr.get(0).rows();
    int w = bgr.get(0).cols();
    int rowBytes = 3 * w;
    byte[] bytes = new byte[Math.multiplyExact(bgr.size(), Math.multiplyExact(h, rowBytes))];
    int o = 0;
    for (Mat m : bgr) {
      if (m.empty() || m.type() != CV_8UC3) {
        throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
      }
      if (m.rows() != h || m.cols() != w) {
        throw new IllegalArgumentException(
            "images of one batch must have one size: "
                + w
                + "x"
                + h
                + " and "
                + m.cols()
                + "x"
                + m.rows());
      }
      BytePointer data = m.data();
      for (int y = 0; y < h; y++, o += rowBytes) {
        data.position(y * m.step()).get(bytes, o, rowBytes);
      }
      data.position(0);
    }
    try (BytePointer p = new BytePointer(bytes);
        TensorOptions opts = new TensorOptions(ScalarType.Byte);
        Tensor hwc = torch.from_blob(p, new long[] {bgr.size(), h, w, 3}, opts)) {
      return hwc.permute(0, 3, 1, 2).flip(1).to(ScalarType.Float).div(new Scalar(255.0));
    }
  }
}
