package io.gpen.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A {@link ToRGB} of a {@link GeneratorPlan}: a 1×1 convolution whose input channels are scaled by
 * the layer's styles (no demodulation), plus bias, plus the upsampled image of the previous
 * resolution.
 *
 * @param styleOffset where the layer's {@code in} styles start in the plan's style vector
 * @param weight [3,in], the equalised-learning-rate scale folded in
 * @param bias [3]
 * @param upsample the 2× FIR upsampling of the previous image, or null for the first layer
 */
public record FoldedToRgb(
    int styleOffset, int in, Tensor weight, Tensor bias, FirFilter upsample) {}
