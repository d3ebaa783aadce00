package io.gpen.train;

import io.gpen.identity.FaceEmbedder;
import io.gpen.identity.FaceEmbedders;
import io.gpen.nn.Tensors;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The losses and regularisers of the reference training ({@code train_simple.py} and {@code
 * training/loss/id_loss.py} of the official GPEN), on libtorch tensors with autograd graphs kept so
 * that the caller can differentiate them with respect to the weights.
 */
public final class Losses {
  /** The reference's decay of the running mean path length. */
  public static final double PATH_LENGTH_DECAY = 0.01;

  private Losses() {}

  /**
   * The logistic discriminator loss: {@code softplus(−D(real)).mean() + softplus(D(fake)).mean()}.
   */
  public static Tensor discriminator(Tensor realScores, Tensor fakeScores) {
    return torch.softplus(realScores.neg()).mean().add(torch.softplus(fakeScores).mean());
  }

  /** The non-saturating generator loss {@code softplus(−D(fake)).mean()}. */
  public static Tensor generatorAdversarial(Tensor fakeScores) {
    return torch.softplus(fakeScores.neg()).mean();
  }

  /** PyTorch's {@code SmoothL1Loss()} (β = 1, mean over all elements). */
  public static Tensor smoothL1(Tensor fake, Tensor real) {
    return torch.smooth_l1_loss(fake, real, 1 /* mean */, 1.0);
  }

  /**
   * The reference IDLoss: the mean over the batch of {@code 1 − ⟨f(fake), f(real)⟩} with the
   * embeddings of the identity crops ({@link FaceEmbedders#crop}); the real faces' embeddings are
   * constants (the reference detaches them), so they are computed without a graph.
   */
  public static Tensor identity(FaceEmbedder net, Tensor fake, Tensor real) {
    Tensor target;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      target = net.embed(FaceEmbedders.crop(real));
    }
    Tensor restored = net.embed(FaceEmbedders.crop(fake));
    return FaceEmbedders.cosineSimilarity(restored, target).neg().add(Tensors.scalar(1)).mean();
  }

  /**
   * The R1 penalty of the reference's {@code d_r1_loss}: the mean over the batch of the summed
   * squared gradient of {@code Σ D(real)} with respect to the real images. The gradient is taken
   * with {@code create_graph}, so the result can be differentiated again (the weight gradient of R1
   * is a double backward).
   *
   * @param scores {@code D(real)}, computed from {@code real} with gradient tracking on
   * @param real the images, a leaf that requires gradients
   */
  public static Tensor r1(Tensor scores, Tensor real) {
    Tensor grad = gradient(scores.sum(), real);
    return grad.pow(Tensors.scalar(2))
        .reshape(grad.size(0), -1)
        .sum(new long[] {1}, false, new ScalarTypeOptional())
        .mean();
  }

  /**
   * The path lengths of the reference's {@code g_path_regularize}: per sample, {@code sqrt(mean
   * over latents of Σ_dim g²)} where {@code g = ∂Σ(image · noise)/∂latent}, with the graph kept.
   *
   * @param image the generator output, computed from {@code latent}
   * @param latent the W+ latents [B, n_latent, D] the decoder read
   * @param noise the projection, {@code randn_like(image) / √(H·W)} in the reference
   */
  public static Tensor pathLengths(Tensor image, Tensor latent, Tensor noise) {
    Tensor grad = gradient(image.mul(noise).sum(), latent);
    return grad.pow(Tensors.scalar(2))
        .sum(new long[] {2}, false, new ScalarTypeOptional())
        .mean(new long[] {1}, false, new ScalarTypeOptional())
        .sqrt();
  }

  /** {@code ∂output/∂input} for a scalar output, with create_graph so it can be differentiated. */
  private static Tensor gradient(Tensor output, Tensor input) {
    TensorVector grads =
        torch.grad(
            new TensorVector(output),
            new TensorVector(input),
            new TensorVector(),
            new BoolOptional(true),
            true,
            false);
    return grads.get(0);
  }
}
