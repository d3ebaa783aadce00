package io.gpen.identity;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * PyTorch's {@code nn.BatchNorm1d}/{@code nn.BatchNorm2d} (they share names and arithmetic) in
 * evaluation mode: the running statistics normalise, so that an embedding does not depend on the
 * rest of the batch. {@code num_batches_tracked} is kept only so that state dicts keep PyTorch's
 * names; in evaluation mode it has no effect.
 */
final class BatchNorm extends Module implements Layer {
  /** PyTorch's default epsilon, used by every batch norm of both networks. */
  private static final double EPS = 1e-5;

  /** The name of the counter buffer, which files may lack (PyTorch before 0.4.1 had none). */
  static final String COUNTER = "num_batches_tracked";

  private final Tensor weight;
  private final Tensor bias;
  private final Tensor runningMean;
  private final Tensor runningVar;

  BatchNorm(int channels) {
    this.weight = registerParameter("weight", torch.ones(channels));
    this.bias = registerParameter("bias", torch.zeros(channels));
    this.runningMean = registerBuffer("running_mean", torch.zeros(channels));
    this.runningVar = registerBuffer("running_var", torch.ones(channels));
    try (TensorOptions longs = new TensorOptions(ScalarType.Long)) {
      registerBuffer(COUNTER, torch.scalar_tensor(new Scalar(0), longs));
    }
  }

  @Override
  public Tensor forward(Tensor x) {
    return torch.batch_norm(
        x, new TensorOptional(weight), new TensorOptional(bias),
        new TensorOptional(runningMean), new TensorOptional(runningVar),
        false, 0.1, EPS, true);
  }
}
