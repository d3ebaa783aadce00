package io.gpen.model;

import io.gpen.GpenException;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.nn.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * GPEN: an encoder ({@code ecd0} … {@code ecdN}) turns the degraded face into feature maps at every
 * resolution and, through {@code final_linear}, into a latent code; the StyleGAN2 decoder ({@code
 * generator}) synthesises the restored face from that code with the encoder features injected as
 * noise.
 *
 * <p>This is the reference's {@code FullGenerator} and, when the configuration's output is larger
 * than its input ({@link GpenConfig#isSuperResolution()}), its {@code FullGenerator_SR}: the
 * encoder works at {@link GpenConfig#size()} and the decoder at {@link GpenConfig#outSize()}, with
 * the same state-dict names. The decoder's layers finer than the encoder's input have no encoder
 * feature: the reference passes them {@code None}, so their {@link NoiseInjection} draws fresh
 * N(0,1) noise of the layer's shape on every forward pass, from libtorch's default generator (seed
 * it with {@code torch.manual_seed} for repeatable results). With equal sizes there are no such
 * layers and the two reference classes compute the same function.
 */
public final class FullGenerator extends Module {
  private final GpenConfig config;
  private final Generator generator;
  private final List<Sequential> encoder = new ArrayList<>();
  private final Sequential finalLinear;

  /** {@link #noiseStage} of a decoder layer finer than the input: its noise is drawn, N(0,1). */
  static final int DRAWN_NOISE = -1;

  /** Output of a forward pass: the image [B,3,O,O] and the W+ latents [B, n_latent, style_dim]. */
  public record Output(Tensor image, Tensor latent) {}

  public FullGenerator(GpenConfig config) {
    this(config, FirKernel.BLUR);
  }

  /**
   * A generator whose blurs and upsamplings use another FIR kernel, as the reference's {@code
   * blur_kernel} argument allows (no released model does).
   *
   * @param blur the kernel's 1-D taps
   */
  public FullGenerator(GpenConfig config, int[] blur) {
    this.config = config;
    int log = config.logSize();
    generator = registerModule("generator", new Generator(config, blur));
    Sequential first = new Sequential();
    first.add(new ConvLayer(3, config.channels(config.size()), 1, false, blur, true, true));
    encoder.add(registerModule("ecd0", first));
    for (int i = log; i >= 3; i--) {
      Sequential s = new Sequential();
      s.add(
          new ConvLayer(
              config.channels(1 << i), config.channels(1 << (i - 1)), 3, true, blur, true, true));
      encoder.add(registerModule("ecd" + (log - i + 1), s));
    }
    finalLinear = registerModule("final_linear", new Sequential());
    finalLinear.add(new EqualLinear(config.channels(4) * 16, config.styleDim(), 0, 1, true));
  }

  public GpenConfig config() {
    return config;
  }

  public Generator generator() {
    return generator;
  }

  /** The encoder stages ecd0 … ecdN, finest first. */
  public List<Sequential> encoder() {
    return List.copyOf(encoder);
  }

  public Sequential finalLinear() {
    return finalLinear;
  }

  /**
   * Restores a batch of faces [B,3,S,S], RGB in [-1,1], into [B,3,O,O] (S the input size, O the
   * output size); the reference forward pass.
   */
  public Output forward(Tensor x) {
    checkInput(x);
    List<Tensor> features = new ArrayList<>();
    Tensor h = x;
    for (Sequential stage : encoder) {
      h = stage.forward(h);
      features.add(h);
    }
    Tensor z = finalLinear.forward(h.reshape(h.size(0), -1));
    Tensor latent = generator.latents(z);
    List<Tensor> noise = new ArrayList<>();
    for (int c = 0; c <= generator.convs().size(); c++) {
      int stage = noiseStage(c);
      // null: the layer draws random noise, as the reference's None does
      noise.add(stage == DRAWN_NOISE ? null : features.get(stage));
    }
    Tensor image = generator.synthesis(latent, noise);
    return new Output(image, latent);
  }

  /**
   * The noise schedule: the encoder stage whose output feature is the noise of the decoder's styled
   * convolution {@code conv} (0 is {@code conv1}, then {@code convs.0}, {@code convs.1}, …), or
   * {@link #DRAWN_NOISE}. Each feature serves the two convolutions of its resolution, coarsest
   * first, the 4×4 one only {@code conv1}: [f4, f8, f8, …, fS, fS], followed for an output larger
   * than the input by a drawn noise for each finer convolution. This is the reference's list:
   * {@code FullGenerator_SR} puts log2(O/S) {@code None} before the features, doubles every entry,
   * reverses the list and drops its first element.
   */
  int noiseStage(int conv) {
    int stage = encoder.size() - 1 - (conv + 1) / 2;
    return stage < 0 ? DRAWN_NOISE : stage;
  }

  /** Checks the input shape at the model boundary, with a message a user can act on. */
  public void checkInput(Tensor x) {
    long[] shape = Tensors.shape(x);
    int s = config.size();
    if (shape.length != 4 || shape[1] != 3 || shape[2] != s || shape[3] != s) {
      throw new GpenException(
          "GPEN "
              + config.describe()
              + " expects input of shape [N, 3, "
              + s
              + ", "
              + s
              + "], got "
              + Arrays.toString(shape));
    }
  }
}
