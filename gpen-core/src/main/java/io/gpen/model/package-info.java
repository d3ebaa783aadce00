/**
 * The GPEN networks, named as the official state dict: {@link io.gpen.model.FullGenerator} (encoder
 * and StyleGAN2 decoder), {@link io.gpen.model.Discriminator}, their layers, the inference fast
 * path ({@link io.gpen.model.GeneratorInference}) and loading and saving ({@link
 * io.gpen.model.ModelFiles}).
 */
package io.gpen.model;
