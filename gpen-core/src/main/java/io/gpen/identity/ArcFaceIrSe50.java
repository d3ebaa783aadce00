package io.gpen.identity;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.nn.Stateless;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ArcFace IR-SE50 as GPEN's identity loss uses it: TreB1eN/InsightFace_Pytorch's {@code
 * Backbone(input_size=112, num_layers=50, drop_ratio=0.6, mode='ir_se')}, whose weights are {@code
 * model_ir_se50.pth}. The module tree has that state dict's names ({@code input_layer.*}, {@code
 * body.0..23.*}, {@code output_layer.*}), so loading is a walk over them.
 *
 * <p>The input is used as it comes, [-1, 1] RGB, as the reference's IDLoss feeds it; the output is
 * the reference's {@code l2_norm} of the 512-d feature (division by the norm, no epsilon).
 */
public final class ArcFaceIrSe50 extends Module implements FaceEmbedder {
  /**
   * Units per stage of the 50-layer network: (in, depth, units); the first unit of each has stride
   * 2.
   */
  private static final int[][] STAGES = {{64, 64, 3}, {64, 128, 4}, {128, 256, 14}, {256, 512, 3}};

  /** The reduction of the squeeze-and-excitation modules. */
  private static final int SE_REDUCTION = 16;

  private static final int DIMENSION = 512;

  private final Sequential inputLayer;
  private final Sequential body;
  private final Sequential outputLayer;

  /**
   * A network with random weights (He initialisation); {@link FaceEmbedders#load} fills in real
   * ones.
   */
  public ArcFaceIrSe50() {
    inputLayer = registerModule("input_layer", new Sequential());
    inputLayer.add(Conv2d.heNormal(3, 64, 3, 1, 1, 1, false));
    inputLayer.add(new BatchNorm(64));
    inputLayer.add(new PReLU(64));
    body = registerModule("body", new Sequential());
    for (int[] stage : STAGES) {
      for (int unit = 0; unit < stage[2]; unit++) {
        int in = unit == 0 ? stage[0] : stage[1];
        body.add(new Bottleneck(in, stage[1], unit == 0 ? 2 : 1));
      }
    }
    int side = FaceEmbedders.INPUT_SIZE / 16;
    outputLayer = registerModule("output_layer", new Sequential());
    outputLayer.add(new BatchNorm(512));
    outputLayer.add(Stateless.identity());
    outputLayer.add(Stateless.flatten());
    outputLayer.add(new Linear(512 * side * side, DIMENSION));
    outputLayer.add(new BatchNorm(DIMENSION));
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
    return "ArcFace IR-SE50";
  }

  @Override
  public Tensor embed(Tensor faces) {
    FaceEmbedders.checkInput(faces, this);
    return FaceEmbedders.l2Normalize(outputLayer.forward(body.forward(inputLayer.forward(faces))));
  }

  /** {@code bottleneck_IR_SE}: a pre-activation residual unit with squeeze-and-excitation. */
  private static final class Bottleneck extends Module implements Layer {
    private final Layer shortcut;
    private final Sequential residual;

    Bottleneck(int in, int depth, int stride) {
      if (in == depth) {
        // MaxPool2d(kernel 1, stride): plain subsampling, nothing to load
        shortcut = registerModule("shortcut_layer", new Subsample(stride));
      } else {
        Sequential projection = registerModule("shortcut_layer", new Sequential());
        projection.add(Conv2d.heNormal(in, depth, 1, stride, 0, 1, false));
        projection.add(new BatchNorm(depth));
        shortcut = projection;
      }
      residual = registerModule("res_layer", new Sequential());
      residual.add(new BatchNorm(in));
      residual.add(Conv2d.heNormal(in, depth, 3, 1, 1, 1, false));
      residual.add(new PReLU(depth));
      residual.add(Conv2d.heNormal(depth, depth, 3, stride, 1, 1, false));
      residual.add(new BatchNorm(depth));
      residual.add(new SqueezeExcite(depth, SE_REDUCTION));
    }

    @Override
    public Tensor forward(Tensor x) {
      return residual.forward(x).add(shortcut.forward(x));
    }
  }

  /** {@code MaxPool2d(1, stride)}. */
  private static final class Subsample extends Module implements Layer {
    private final long stride;

    Subsample(int stride) {
      this.stride = stride;
    }

    @Override
    public Tensor forward(Tensor x) {
      if (stride == 1) {
        return x;
      }
      return torch.max_pool2d(
          x,
          new long[] {1, 1},
          new long[] {stride, stride},
          new long[] {0, 0},
          new long[] {1, 1},
          false);
    }
  }

  /**
   * {@code SEModule}: channel gates from the global average through two bias-free 1×1 convolutions.
   */
  private static final class SqueezeExcite extends Module implements Layer {
    private final Conv2d fc1;
    private final Conv2d fc2;

    SqueezeExcite(int channels, int reduction) {
      fc1 =
          registerModule("fc1", Conv2d.heNormal(channels, channels / reduction, 1, 1, 0, 1, false));
      fc2 =
          registerModule("fc2", Conv2d.heNormal(channels / reduction, channels, 1, 1, 0, 1, false));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor gate =
          torch.sigmoid(fc2.forward(torch.relu(fc1.forward(torch.adaptive_avg_pool2d(x, 1, 1)))));
      return x.mul(gate);
    }
  }
}
