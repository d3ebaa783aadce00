package io.gpen.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * PyTorch's {@code nn.BatchNorm1d}/{@code nn.BatchNorm2d} (the same names and arithmetic) in
 * evaluation mode: the running statistics normalise, so a result does not depend on the rest of the
 * batch. The networks here are only ever run, never trained.
 */
public final class BatchNorm extends Module implements Layer {
  /** PyTorch's default epsilon. */
  public static final double DEFAULT_EPS = 1e-5;

  /** The step counter PyTorch ≥ 0.4.1 saves; it has no effect in evaluation mode. */
  public static final String COUNTER = "num_batches_tracked";

  private final Tensor weight;
  private final Tensor bias;
  private final Tensor runningMean;
  private final Tensor runningVar;
  private final double eps;

  /**
   * With the default epsilon and the step counter {@code num_batches_tracked} (as every checkpoint
   * saved by PyTorch ≥ 0.4.1 holds it; a file may still lack it).
   */
  public BatchNorm(int channels) {
    this(channels, DEFAULT_EPS, true);
  }

  /** With its own epsilon and no step counter in the state dict (torchvision's Inception). */
  public static BatchNorm withoutCounter(int channels, double eps) {
    return new BatchNorm(channels, eps, false);
  }

  private BatchNorm(int channels, double eps, boolean counter) {
    this.weight = registerParameter("weight", torch.ones(channels));
    this.bias = registerParameter("bias", torch.zeros(channels));
    this.runningMean = registerBuffer("running_mean", torch.zeros(channels));
    this.runningVar = registerBuffer("running_var", torch.ones(channels));
    this.eps = eps;
    if (counter) {
      try (TensorOptions longs = new TensorOptions(ScalarType.Long)) {
        registerOptionalBuffer(COUNTER, torch.scalar_tensor(new Scalar(0), longs));
      }
    }
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
