package io.gpen.identity;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A layer without tensors (activation, flatten, dropout in evaluation mode) that still takes its
 * index in a {@link io.gpen.nn.Sequential}, so that the layers after it keep PyTorch's numbering.
 */
final class Stateless extends Module implements Layer {
  private final UnaryOperator<Tensor> function;

  private Stateless(UnaryOperator<Tensor> function) {
    this.function = function;
  }

  static Stateless relu() {
    return new Stateless(torch::relu);
  }

  static Stateless relu6() {
    return new Stateless(torch::relu6);
  }

  /** {@code x.view(x.size(0), -1)}. */
  static Stateless flatten() {
    return new Stateless(x -> x.flatten(1, -1));
  }

  /** Dropout in evaluation mode. */
  static Stateless identity() {
    return new Stateless(x -> x);
  }

  @Override
  public Tensor forward(Tensor x) {
    return function.apply(x);
  }
}
