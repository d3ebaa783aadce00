package io.gpen.model;

import io.gpen.nn.Module;
import io.gpen.nn.ModuleList;
import io.gpen.nn.Sequential;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The StyleGAN2 decoder of GPEN, at the configuration's output size: a mapping network ({@code
 * style}), a learned constant, and per resolution an upsampling and a plain styled convolution plus
 * a ToRGB. Each styled convolution receives an encoder feature map as its noise (or, finer than the
 * encoder's input, random noise).
 */
public final class Generator extends Module {
  private final GpenConfig config;
  private final Sequential style;
  private final ConstantInput input;
  private final StyledConv conv1;
  private final ToRGB toRgb1;
  private final ModuleList<StyledConv> convs;
  private final ModuleList<ToRGB> toRgbs;

  public Generator(GpenConfig config) {
    this(config, FirKernel.BLUR);
  }

  /**
   * @param blur the taps of the FIR kernel of every blur and upsampling (GPEN's are {1,3,3,1})
   */
  public Generator(GpenConfig config, int[] blur) {
    this.config = config;
    int mult = config.isConcat() ? 2 : 1;
    int styleDim = config.styleDim();
    style = registerModule("style", new Sequential());
    style.add(new PixelNorm());
    for (int i = 0; i < config.nMlp(); i++) {
      style.add(new EqualLinear(styleDim, styleDim, 0, 0.01, true));
    }
    int c4 = config.channels(4);
    input = registerModule("input", new ConstantInput(c4));
    conv1 =
        registerModule(
            "conv1", new StyledConv(c4, c4, 3, styleDim, false, blur, config.isConcat()));
    toRgb1 = registerModule("to_rgb1", new ToRGB(c4 * mult, styleDim, false, blur));
    convs = registerModule("convs", new ModuleList<>());
    toRgbs = registerModule("to_rgbs", new ModuleList<>());
    int inChannels = c4;
    for (int i = 3; i <= config.logOutSize(); i++) {
      int out = config.channels(1 << i);
      convs.add(new StyledConv(inChannels * mult, out, 3, styleDim, true, blur, config.isConcat()));
      convs.add(new StyledConv(out * mult, out, 3, styleDim, false, blur, config.isConcat()));
      toRgbs.add(new ToRGB(out * mult, styleDim, true, blur));
      inChannels = out;
    }
  }

  public GpenConfig config() {
    return config;
  }

  public Sequential style() {
    return style;
  }

  public ConstantInput input() {
    return input;
  }

  public StyledConv conv1() {
    return conv1;
  }

  public ToRGB toRgb1() {
    return toRgb1;
  }

  public ModuleList<StyledConv> convs() {
    return convs;
  }

  public ModuleList<ToRGB> toRgbs() {
    return toRgbs;
  }

  /** The W+ latents [B, n_latent, style_dim] for a batch of codes z [B, style_dim]. */
  public Tensor latents(Tensor z) {
    return style.forward(z).unsqueeze(1).repeat(1, config.nLatent(), 1);
  }

  /**
   * Synthesises images from W+ latents.
   *
   * @param noise 1 + 2·(log2(outSize) − 2) feature maps, coarsest first; an entry may be null for
   *     random noise
   */
  public Tensor synthesis(Tensor latent, List<Tensor> noise) {
    Tensor out = input.forward(latent.size(0));
    out = conv1.forward(out, latent.select(1, 0), noise.get(0));
    Tensor skip = toRgb1.forward(out, latent.select(1, 1), null);
    int i = 1;
    for (int j = 0; j < toRgbs.size(); j++) {
      out = convs.get(2 * j).forward(out, latent.select(1, i), noise.get(2 * j + 1));
      out = convs.get(2 * j + 1).forward(out, latent.select(1, i + 1), noise.get(2 * j + 2));
      skip = toRgbs.get(j).forward(out, latent.select(1, i + 2), skip);
      i += 2;
    }
    return skip;
  }
}
