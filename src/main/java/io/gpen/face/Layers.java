package io.gpen.face;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The plain PyTorch layers the face detector is made of (convolution, batch normalisation in eval
 * mode, ReLU and leaky ReLU), named as torch.nn names their tensors so that the detector's state
 * dict loads by name.
 */
final class Layers {
  private Layers() {}

  /** torch.nn.Conv2d with square kernel, stride and padding. */
  static final class Conv2d extends Module implements Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final long stride;
    private final long padding;
    private final long groups;

    Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias) {
      // Zeros until a checkpoint is loaded: the detector is never trained here, and zeros cost
      // no arithmetic (ResNet-50 has 25 million weights).
      this.weight = registerParameter("weight", torch.zeros(out, in / groups, kernel, kernel));
      this.bias = bias ? registerParameter("bias", torch.zeros(out)) : null;
      this.stride = stride;
      this.padding = padding;
      this.groups = groups;
    }

    @Override
    public Tensor forward(Tensor x) {
      return torch.conv2d(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias),
          new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, groups);
    }
  }

  /** torch.nn.BatchNorm2d, always in eval mode (running statistics). */
  static final class BatchNorm2d extends Module implements Layer {
    static final String STEP_COUNTER = "num_batches_tracked";
    private static final double EPS = 1e-5;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor mean;
    private final Tensor var;

    BatchNorm2d(int channels) {
      weight = registerParameter("weight", torch.ones(channels));
      bias = registerParameter("bias", torch.zeros(channels));
      mean = registerBuffer("running_mean", torch.zeros(channels));
      var = registerBuffer("running_var", torch.ones(channels));
      // PyTorch >= 0.4.1 saves this training step counter; older checkpoints lack it.
      registerBuffer(STEP_COUNTER, torch.zeros(new long[0], new TensorOptions(torch.ScalarType.Long)));
    }

    @Override
    public Tensor forward(Tensor x) {
      return torch.batch_norm(x, new TensorOptional(weight), new TensorOptional(bias),
          new TensorOptional(mean), new TensorOptional(var), false, 0.1, EPS, true);
    }
  }

  /** In-place leaky ReLU (slope 0 is ReLU); it has no tensors but takes an index in a Sequential. */
  static final class LeakyRelu extends Module implements Layer {
    private final double slope;

    LeakyRelu(double slope) {
      this.slope = slope;
    }

    @Override
    public Tensor forward(Tensor x) {
      return slope == 0 ? torch.relu_(x) : torch.leaky_relu_(x, new Scalar(slope));
    }
  }

  /** Convolution and batch normalisation, optionally followed by a leaky ReLU (null: none). */
  static Sequential convBn(int in, int out, int kernel, int stride, Double leaky) {
    Sequential s = new Sequential();
    s.add(new Conv2d(in, out, kernel, stride, kernel / 2, 1, false));
    s.add(new BatchNorm2d(out));
    if (leaky != null) {
      s.add(new LeakyRelu(leaky));
    }
    return s;
  }

  /** Depthwise 3×3 then pointwise 1×1 convolution, each with batch norm and leaky ReLU 0.1. */
  static Sequential convDw(int in, int out, int stride) {
    Sequential s = new Sequential();
    s.add(new Conv2d(in, in, 3, stride, 1, in, false));
    s.add(new BatchNorm2d(in));
    s.add(new LeakyRelu(0.1));
    s.add(new Conv2d(in, out, 1, 1, 0, 1, false));
    s.add(new BatchNorm2d(out));
    s.add(new LeakyRelu(0.1));
    return s;
  }
}
