package io.gpen.bench;

import io.gpen.nn.Conv2d;
import io.gpen.nn.Precision;
import io.gpen.parse.FaceParser;
import io.gpen.parse.ParseNet;
import io.gpen.sr.RealEsrNet;
import io.gpen.sr.RrdbNet;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The face parser and the background super-resolution that the photo and video benches time beside
 * GPEN: random weights in the layouts of the official networks (no pretrained weights are needed to
 * time them), and the super-resolution's warm-up.
 */
final class BenchNetworks {
  private BenchNetworks() {}

  /**
   * A face parser of the layout of the official ParseNet-latest with random weights drawn from
   * {@code seed}: each convolution weight normal with the deviation of He initialisation, biases
   * zero, batch norms the identity (unit scale and variance, zero shift and mean), run in {@code
   * precision}. Only the speed means anything.
   */
  static FaceParser randomParser(long seed, Precision precision) {
    ParseNet net = new ParseNet(ParseNet.Layout.parseNetLatest());
    torch.manual_seed(seed);
    for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (t.dim() == 4) {
        Conv2d.fillHeNormal(t, 1);
      } else if (name.endsWith("norm.weight") || name.endsWith("running_var")) {
        // in place: the call returns the tensor itself, which the network owns
        try (Scalar one = new Scalar(1.0)) {
          t.fill_(one);
        }
      }
    }
    return new FaceParser(net, net.describe() + ", random weights", precision);
  }

  /**
   * A Real-ESRNet of the official layout at {@code scale} with random weights drawn from {@code
   * seed}: each convolution weight normal with the deviation of He initialisation, scaled by 0.1 in
   * the dense blocks (as basicsr initialises them), biases zero, run in {@code precision} (as the
   * photo pipeline runs it with the generator's). Only the speed means anything; the activations
   * keep their scale through the network, so no denormal floats slow it down.
   */
  static RealEsrNet randomUpscaler(int scale, long seed, Precision precision) {
    RrdbNet net = new RrdbNet(RrdbNet.Layout.realEsrNet(scale));
    torch.manual_seed(seed);
    for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) {
      Tensor t = e.getValue();
      if (t.dim() == 4) {
        Conv2d.fillHeNormal(t, e.getKey().contains(".rdb") ? 0.1 : 1);
      }
    }
    return new RealEsrNet(net, net.describe() + ", random weights", precision);
  }

  /**
   * Super-resolves a corner of {@code bgr} of at most 64×64 pixels, untimed: the first run of a
   * network plans its layers.
   */
  static void warmUp(RealEsrNet network, Mat bgr, int tileSize) {
    try (Rect corner = new Rect(0, 0, Math.min(64, bgr.cols()), Math.min(64, bgr.rows()));
        Mat part = new Mat(bgr, corner)) {
      network.process(part, tileSize).close();
    }
  }
}
