package io.gpen.model;

import io.gpen.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Injects the "noise", which in GPEN is an encoder feature map: concatenated as weight·noise after
 * the decoder features (isconcat) or added to them. Without noise, N(0,1) is drawn ({@link #draw}),
 * as {@code FullGenerator_SR}'s decoder layers finer than its input get it.
 */
public final class NoiseInjection extends Module {
  private final Tensor weight;
  private final boolean isConcat;

  NoiseInjection(boolean isConcat) {
    this.weight = registerParameter("weight", torch.zeros(1));
    this.isConcat = isConcat;
  }

  public Tensor weight() {
    return weight;
  }

  public boolean isConcat() {
    return isConcat;
  }

  public Tensor forward(Tensor image, Tensor noise) {
    if (noise == null) {
      noise = draw(image);
    }
    Tensor scaled = weight.mul(noise);
    if (isConcat) {
      return torch.cat(new TensorVector(image, scaled), 1);
    }
    return image.add(scaled);
  }

  /**
   * Fresh N(0,1) noise of {@code image}'s shape, type and device, from libtorch's default
   * generator: the reference's {@code image.new_empty(batch, channel, height, width).normal_()}, so
   * that the same seed gives PyTorch's values (contiguous, filled in the same order).
   */
  public static Tensor draw(Tensor image) {
    Tensor noise = image.new_empty(image.size(0), image.size(1), image.size(2), image.size(3));
    // normal_ returns a non-owning view of its receiver: keep the receiver
    noise.normal_();
    return noise;
  }
}
