/**
 * The custom operations of StyleGAN2 that GPEN uses (upfirdn2d, fused leaky ReLU), written with
 * libtorch primitives so that autograd (including double backward) works through them.
 */
package io.gpen.ops;
