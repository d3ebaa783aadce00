package io.gpen.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A {@link StyledConv} of a {@link GeneratorPlan}: a modulated, demodulated convolution (transposed
 * and blurred when upsampling), its encoder feature (or drawn noise) injected as noise, leaky ReLU.
 *
 * <p>For sample b with styles s = styles[b, styleOffset : styleOffset + in], the convolution's
 * weight is {@code W·s[i]·d[o]} with {@code d[o] = 1/√(Σ_i s[i]²·norms[i,o] + DEMODULATION_EPS)}
 * ({@link GeneratorPlan#DEMODULATION_EPS}), which includes the √2 of the fused leaky ReLU. The
 * output is then {@code [conv + bias, noiseWeight·noise + noiseBias]} (concatenated) or {@code conv
 * + bias + noiseWeight·noise}.
 *
 * @param styleOffset where the layer's {@code in} styles start in the plan's style vector
 * @param inputSize height (and width) of the layer's input
 * @param up 1, or the stride of the upsampling transposed convolution
 * @param padding of the convolution (0 for the transposed one)
 * @param weight [out,in,k,k], or [in,out,k,k] for the transposed convolution; channels-last; the
 *     equalised-learning-rate scale folded in
 * @param norms [in,out]: Σ over the kernel of the folded weight squared, halved (the √2)
 * @param blur the filter after the transposed convolution, or null without upsampling
 * @param bias [1,out,1,1], the fused leaky ReLU's bias of the convolution's channels, times √2
 * @param noiseBias [1,out,1,1], that of the noise channels, times √2; null when the noise is added
 * @param noiseWeight the noise injection's weight times √2
 * @param noiseStage the encoder stage whose output is the noise, or −1 for a layer finer than the
 *     encoder's input, whose noise is drawn from N(0,1) in the layer's shape [B,out,H,W] on each
 *     pass ({@link #drawsNoise()})
 */
public record FoldedStyledConv(
    int styleOffset,
    int in,
    int out,
    int kernel,
    int inputSize,
    int up,
    int padding,
    Tensor weight,
    Tensor norms,
    FirFilter blur,
    Tensor bias,
    Tensor noiseBias,
    double noiseWeight,
    int noiseStage) {

  /** Whether the noise is random rather than an encoder feature (the reference's {@code None}). */
  public boolean drawsNoise() {
    return noiseStage == FullGenerator.DRAWN_NOISE;
  }

  /** Whether the noise is concatenated to the convolution's channels rather than added. */
  public boolean concatenatesNoise() {
    return noiseBias != null;
  }
}
