package io.gpen.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A layer without tensors (an activation, a pooling, a flatten, dropout in evaluation mode) that
 * still takes its index in a {@link Sequential}, so that the layers after it keep PyTorch's
 * numbering.
 */
public final class Stateless extends Module implements Layer {
  private final UnaryOperator<Tensor> function;

  private Stateless(UnaryOperator<Tensor> function) {
    this.function = function;
  }

  public static Stateless relu() {
    return new Stateless(torch::relu);
  }

  /** ReLU that overwrites its input (inference only: autograd may need the input). */
  public static Stateless reluInPlace() {
    return new Stateless(torch::relu_);
  }

  public static Stateless relu6() {
    return new Stateless(torch::relu6);
  }

  /** Leaky ReLU that overwrites its input; slope 0 is ReLU. */
  public static Stateless leakyReluInPlace(double slope) {
    return new Stateless(slope == 0 ? torch::relu_ : x -> torch.leaky_relu_(x, new Scalar(slope)));
  }

  /** {@code nn.MaxPool2d(kernel, stride)} without padding. */
  public static Stateless maxPool2d(int kernel, int stride) {
    long[] k = {kernel, kernel};
    long[] s = {stride, stride};
    return new Stateless(
        x -> torch.max_pool2d(x, k, s, new long[] {0, 0}, new long[] {1, 1}, false));
  }

  /** {@code x.view(x.size(0), -1)}. */
  public static Stateless flatten() {
    return new Stateless(x -> x.flatten(1, -1));
  }

  /** The identity: dropout in evaluation mode. */
  public static Stateless identity() {
    return new Stateless(x -> x);
  }

  @Override
  public Tensor forward(Tensor x) {
    return function.apply(x);
  }
}
