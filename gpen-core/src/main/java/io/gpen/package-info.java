/**
 * GPEN for Java: blind face restoration (GAN Prior Embedded Network, CVPR 2021) on libtorch. {@link
 * io.gpen.GpenException} is the one-line error every user-facing failure becomes.
 */
package io.gpen;
