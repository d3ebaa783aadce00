package io.gpen.model;

import org.bytedeco.pytorch.Tensor;

/**
 * An {@link EqualLinear} of a {@link GeneratorPlan}: {@code y = x·Wᵀ + b}, then leaky ReLU when
 * {@code activate}.
 *
 * @param weight [out,in], the equalised-learning-rate scale folded in, and with activation the √2
 *     of the fused leaky ReLU (leaky ReLU is positively homogeneous)
 * @param bias [out], scaled as the weight
 */
public record FoldedLinear(Tensor weight, Tensor bias, boolean activate) {}
