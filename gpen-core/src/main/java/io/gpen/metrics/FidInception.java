package io.gpen.metrics;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Stateless;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The InceptionV3 of FID: pytorch-fid's {@code InceptionV3} with {@code use_fid_inception=True}
 * (TensorFlow's 2015-12-05 Inception ported to PyTorch), up to its 2048-d pool3 features.
 *
 * <p>Weights: {@code pt_inception-2015-12-05-6726825d.pth} (registry name {@value #REGISTRY_NAME}),
 * loaded strictly by its own names ({@code Conv2d_1a_3x3.conv.weight}, {@code
 * Mixed_5b.branch1x1.bn.running_mean}, ...). Its classifier {@code fc.*} (1008 classes) is unused
 * and ignored, as are batch-norm {@code num_batches_tracked} counters; any other difference fails.
 *
 * <p>Input as pytorch-fid's {@code fid_score}: RGB in [0, 1], resized bilinearly to 299×299 ({@code
 * align_corners=False}, no antialiasing), then mapped to [-1, 1]. Output: the global average of the
 * last block, [N, 2048], float32.
 */
public final class FidInception extends Module {
  /** The registry name of the weights. */
  public static final String REGISTRY_NAME = "FID-InceptionV3";

  /** The feature size. */
  public static final int DIMS = 2048;

  /**
   * Names what the features are, stored with their statistics so that unlike ones are not compared.
   */
  public static final String FEATURES =
      "pool3 of the FID InceptionV3 (pytorch-fid, pt_inception-2015-12-05), input bilinear 299x299";

  private static final long SIZE = 299;
  private static final String WHAT = "the FID InceptionV3 (pytorch-fid pt_inception-2015-12-05)";

  private final List<Layer> layers = new ArrayList<>();

  /** A parameter that tells the network's device and type (moved in place by {@link #to}). */
  private final Tensor firstWeight;

  /** The network with zero weights; {@link #load} gives a usable one. */
  public FidInception() {
    add("Conv2d_1a_3x3", new InceptionBlocks.BasicConv2d(3, 32, 3, 3, 2, 0, 0));
    add("Conv2d_2a_3x3", new InceptionBlocks.BasicConv2d(32, 32, 3));
    add("Conv2d_2b_3x3", new InceptionBlocks.BasicConv2d(32, 64, 3, 3, 1, 1, 1));
    layers.add(Stateless.maxPool2d(3, 2));
    add("Conv2d_3b_1x1", new InceptionBlocks.BasicConv2d(64, 80, 1));
    add("Conv2d_4a_3x3", new InceptionBlocks.BasicConv2d(80, 192, 3));
    layers.add(Stateless.maxPool2d(3, 2));
    add("Mixed_5b", new InceptionBlocks.A(192, 32));
    add("Mixed_5c", new InceptionBlocks.A(256, 64));
    add("Mixed_5d", new InceptionBlocks.A(288, 64));
    add("Mixed_6a", new InceptionBlocks.B(288));
    add("Mixed_6b", new InceptionBlocks.C(768, 128));
    add("Mixed_6c", new InceptionBlocks.C(768, 160));
    add("Mixed_6d", new InceptionBlocks.C(768, 160));
    add("Mixed_6e", new InceptionBlocks.C(768, 192));
    add("Mixed_7a", new InceptionBlocks.D(768));
    add("Mixed_7b", new InceptionBlocks.E(1280, false));
    add("Mixed_7c", new InceptionBlocks.E(2048, true));
    requiresGrad(false);
    firstWeight = namedParameters().values().iterator().next();
  }

  private <L extends Module & Layer> void add(String name, L layer) {
    layers.add(registerModule(name, layer));
  }

  /**
   * Reads the network from a checkpoint in any format the project reads.
   *
   * @throws io.gpen.GpenException with one line naming the file when it is not these weights
   */
  public static FidInception load(Path file) {
    FidInception net = new FidInception();
    try {
      net.loadStateDict(
          Weights.readWithout(
              file,
              name ->
                  name.equals("fc.weight")
                      || name.equals("fc.bias")
                      || name.endsWith(".num_batches_tracked")),
          WHAT,
          Set.of());
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /**
   * The network from a file or registry name ({@value #REGISTRY_NAME}, downloaded when not cached),
   * or skipped where {@code weights} is null or blank.
   *
   * @throws io.gpen.GpenException where weights are given but cannot be had or do not fit
   */
  public static Loaded<FidInception> open(String weights, ModelRegistry registry) {
    if (Weights.absent(weights)) {
      return Loaded.skipped(
          "no InceptionV3 weights given ("
              + REGISTRY_NAME
              + ", pt_inception-2015-12-05-6726825d.pth)");
    }
    return Loaded.of(load(registry.resolve(weights)));
  }

  /**
   * The pool3 features of a batch; the result lives in the caller's pointer scope.
   *
   * @param rgb01 [N,3,H,W], RGB in [0, 1], any size (resized to 299×299), on any device (moved to
   *     this network's)
   * @return [N, 2048] float32 on this network's device
   */
  public Tensor features(Tensor rgb01) {
    if (rgb01.dim() != 4 || rgb01.size(1) != 3) {
      throw new IllegalArgumentException(
          "expected [N,3,H,W] images, got " + Tensors.shapeString(rgb01));
    }
    try (InferenceMode mode = new InferenceMode()) {
      Tensor x = rgb01.to(firstWeight.device(), firstWeight.scalar_type());
      if (x.size(2) != SIZE || x.size(3) != SIZE) {
        x = torch.upsample_bilinear2d(x, new long[] {SIZE, SIZE}, false);
      }
      x = x.mul(new Scalar(2.0)).sub(new Scalar(1.0));
      for (Layer l : layers) {
        x = l.forward(x);
      }
      return x.mean(new long[] {2, 3}, false, new ScalarTypeOptional());
    }
  }

  /**
   * The pool3 features of 8-bit BGR images of one size, read as pytorch-fid reads image files
   * (v/255 per level); the result lives in the caller's pointer scope.
   *
   * @return [N, 2048] float32 on this network's device
   */
  public Tensor features(List<Mat> bgr) {
    return features(ImageTensors.rgb01(bgr));
  }

  /** An empty accumulator for this network's features. */
  public static FeatureAccumulator newAccumulator() {
    return new FeatureAccumulator(DIMS, FEATURES);
  }
}
