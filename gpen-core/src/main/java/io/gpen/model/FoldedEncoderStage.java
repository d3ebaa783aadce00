package io.gpen.model;

import org.bytedeco.pytorch.Tensor;

/**
 * An encoder stage ({@link ConvLayer}) of a {@link GeneratorPlan}: [blur →] convolution with bias →
 * leaky ReLU.
 *
 * @param blur the anti-aliasing filter before a strided convolution, or null
 * @param weight [out,in,k,k], channels-last, the equalised-learning-rate scale and the √2 of the
 *     fused leaky ReLU folded in
 * @param bias [out], the fused leaky ReLU's bias times √2
 */
public record FoldedEncoderStage(
    FirFilter blur, Tensor weight, Tensor bias, int stride, int padding) {}
