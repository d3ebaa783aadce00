package io.gpen.metrics;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The plain torchvision layers the metric networks are made of, with PyTorch's parameter names
 * ({@code weight}, {@code bias}, {@code running_mean}, ...), for inference only. Parameters start
 * as zeros (batch-norm scales and variances as ones) and are meant to be loaded from a file.
 */
final class Layers {
  private Layers() {}

  /** {@code nn.Conv2d} with a rectangular kernel, stride and padding, with or without a bias. */
  static final class Conv2d extends Module implements Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final long[] stride;
    private final long[] padding;

    Conv2d(int in, int out, int kh, int kw, int stride, int padH, int padW, boolean bias) {
      this.weight = registerParameter("weight", torch.zeros(out, in, kh, kw));
      this.bias = bias ? registerParameter("bias", torch.zeros(out)) : null;
      this.stride = new long[] {stride, stride};
      this.padding = new long[] {padH, padW};
    }

    @Override
    public Tensor forward(Tensor x) {
      TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
      return torch.conv2d(x, weight, b, stride, padding, new long[] {1, 1}, 1);
    }
  }

  /** {@code nn.BatchNorm2d} in evaluation mode: the running statistics normalise. */
  static final class BatchNorm2d extends Module implements Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final double eps;

    BatchNorm2d(int channels, double eps) {
      this.weight = registerParameter("weight", torch.ones(channels));
      this.bias = registerParameter("bias", torch.zeros(channels));
      this.runningMean = registerBuffer("running_mean", torch.zeros(channels));
      this.runningVar = registerBuffer("running_var", torch.ones(channels));
      this.eps = eps;
    }

    @Override
    public Tensor forward(Tensor x) {
      return torch.batch_norm(
          x,
          new TensorOptional(weight),
          new TensorOptional(bias),
          new TensorOptional(runningMean),
          new TensorOptional(runningVar),
          false,
          0.1,
          eps,
          true);
    }
  }

  /** {@code nn.ReLU(inplace=True)}: overwrites its input. */
  static final class Relu extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
      return x.relu_();
    }
  }

  /** {@code nn.MaxPool2d(kernel, stride)} without padding. */
  static final class MaxPool2d extends Module implements Layer {
    private final long kernel;
    private final long stride;

    MaxPool2d(int kernel, int stride) {
      this.kernel = kernel;
      this.stride = stride;
    }

    @Override
    public Tensor forward(Tensor x) {
      return torch.max_pool2d(
          x, new long[] {kernel, kernel}, new long[] {stride, stride}, new long[] {0, 0},
          new long[] {1, 1}, false);
    }
  }

  /** {@code nn.Dropout} in evaluation mode: the identity, present only to keep the layer indices. */
  static final class Dropout extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
      return x;
    }
  }
}
