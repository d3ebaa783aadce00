package io.gpen.identity;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.nn.Stateless;
import io.gpen.nn.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * MobileFaceNet as implemented by foamliu/MobileFaceNet ({@code mobilefacenet.py}), whose released
 * state dict ({@code mobilefacenet.pt}) uses the names {@code conv1}, {@code dw_conv}, {@code
 * features.0..14}, {@code conv2}, {@code gdconv}, {@code conv3} and {@code bn}: a MobileNetV2-style
 * network with ReLU6 in its convolution blocks, plain ReLU in the depthwise-separable stem, a 7×7
 * global depthwise convolution and a 1×1 convolution (with bias) plus batch norm to 128 values.
 *
 * <p>That network was trained on {@code ToTensor()} + {@code Normalize(ImageNet mean, std)} RGB
 * input, so {@link #embed} maps GPEN's [-1, 1] to that range first; the output is L2-normalised
 * (the original returns the raw 128 values and normalises them when it compares faces).
 */
public final class MobileFaceNet extends Module implements FaceEmbedder {
  /**
   * The inverted residual stages: expansion t, output channels c, units n, stride of the first unit
   * s.
   */
  private static final int[][] STAGES = {
    {2, 64, 5, 2}, {4, 128, 1, 2}, {2, 128, 6, 1}, {4, 128, 1, 2}, {2, 128, 2, 1}
  };

  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  private static final int DIMENSION = 128;

  private final Sequential conv1;
  private final DepthwiseSeparable dwConv;
  private final Sequential features;
  private final Sequential conv2;
  private final GlobalDepthwise gdconv;
  private final Conv2d conv3;
  private final BatchNorm bn;

  /**
   * A network with random weights (He initialisation); {@link FaceEmbedders#load} fills in real
   * ones.
   */
  public MobileFaceNet() {
    conv1 = registerModule("conv1", convBnRelu6(3, 64, 3, 2, 1));
    dwConv = registerModule("dw_conv", new DepthwiseSeparable(64, 64));
    features = registerModule("features", new Sequential());
    int channels = 64;
    for (int[] stage : STAGES) {
      for (int unit = 0; unit < stage[2]; unit++) {
        features.add(new InvertedResidual(channels, stage[1], unit == 0 ? stage[3] : 1, stage[0]));
        channels = stage[1];
      }
    }
    conv2 = registerModule("conv2", convBnRelu6(channels, 512, 1, 1, 1));
    gdconv = registerModule("gdconv", new GlobalDepthwise(512, 7));
    conv3 = registerModule("conv3", Conv2d.heNormal(512, DIMENSION, 1, 1, 0, 1, true));
    bn = registerModule("bn", new BatchNorm(DIMENSION));
    requiresGrad(false);
  }

  @Override
  public int inputSize() {
    return FaceEmbedders.INPUT_SIZE;
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public String name() {
    return "MobileFaceNet";
  }

  @Override
  public Tensor embed(Tensor faces) {
    FaceEmbedders.checkInput(faces, this);
    Tensor x = imagenetNormalise(faces);
    x = conv2.forward(features.forward(dwConv.forward(conv1.forward(x))));
    x = bn.forward(conv3.forward(gdconv.forward(x)));
    return FaceEmbedders.l2Normalize(x.flatten(1, -1));
  }

  /** ((x + 1) / 2 - mean) / std per channel, as one multiply-add. */
  private static Tensor imagenetNormalise(Tensor faces) {
    float[] scale = new float[3];
    float[] shift = new float[3];
    for (int c = 0; c < 3; c++) {
      scale[c] = 0.5f / IMAGENET_STD[c];
      shift[c] = (0.5f - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
    Tensor s = Tensors.fromFloats(scale, 1, 3, 1, 1).to(faces.device(), faces.scalar_type());
    Tensor b = Tensors.fromFloats(shift, 1, 3, 1, 1).to(faces.device(), faces.scalar_type());
    return faces.mul(s).add(b);
  }

  /**
   * foamliu's {@code ConvBNReLU}: convolution without bias, batch norm, ReLU6 (indices 0, 1, 2).
   */
  private static Sequential convBnRelu6(int in, int out, int kernel, int stride, int groups) {
    Sequential s = new Sequential();
    s.add(Conv2d.heNormal(in, out, kernel, stride, (kernel - 1) / 2, groups, false));
    s.add(new BatchNorm(out));
    s.add(Stateless.relu6());
    return s;
  }

  /** {@code DepthwiseSeparableConv}: 3×3 depthwise, BN, ReLU, 1×1 pointwise, BN, ReLU. */
  private static final class DepthwiseSeparable extends Module implements Layer {
    private final Conv2d depthwise;
    private final Conv2d pointwise;
    private final BatchNorm bn1;
    private final BatchNorm bn2;

    DepthwiseSeparable(int in, int out) {
      depthwise = registerModule("depthwise", Conv2d.heNormal(in, in, 3, 1, 1, in, false));
      pointwise = registerModule("pointwise", Conv2d.heNormal(in, out, 1, 1, 0, 1, false));
      bn1 = registerModule("bn1", new BatchNorm(in));
      bn2 = registerModule("bn2", new BatchNorm(out));
    }

    @Override
    public Tensor forward(Tensor x) {
      x = torch.relu(bn1.forward(depthwise.forward(x)));
      return torch.relu(bn2.forward(pointwise.forward(x)));
    }
  }

  /**
   * {@code GDConv}: a depthwise convolution as large as the map (7×7 to 1×1), then BN, no
   * activation.
   */
  private static final class GlobalDepthwise extends Module implements Layer {
    private final Conv2d depthwise;
    private final BatchNorm bn;

    GlobalDepthwise(int channels, int kernel) {
      depthwise =
          registerModule(
              "depthwise", Conv2d.heNormal(channels, channels, kernel, 1, 0, channels, false));
      bn = registerModule("bn", new BatchNorm(channels));
    }

    @Override
    public Tensor forward(Tensor x) {
      return bn.forward(depthwise.forward(x));
    }
  }

  /**
   * MobileNetV2's inverted residual: 1×1 expansion (ConvBNReLU6), 3×3 depthwise with the stride
   * (ConvBNReLU6), linear 1×1 projection and BN; the input is added where the shape is unchanged.
   */
  private static final class InvertedResidual extends Module implements Layer {
    private final Sequential conv;
    private final boolean residual;

    InvertedResidual(int in, int out, int stride, int expansion) {
      int hidden = in * expansion;
      residual = stride == 1 && in == out;
      conv = registerModule("conv", new Sequential());
      conv.add(convBnRelu6(in, hidden, 1, 1, 1));
      conv.add(convBnRelu6(hidden, hidden, 3, stride, hidden));
      conv.add(Conv2d.heNormal(hidden, out, 1, 1, 0, 1, false));
      conv.add(new BatchNorm(out));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor y = conv.forward(x);
      return residual ? x.add(y) : y;
    }
  }
}
