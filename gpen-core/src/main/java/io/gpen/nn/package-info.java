/**
 * A small module system over libtorch tensors ({@link io.gpen.nn.Module}: parameters, buffers and
 * children under state-dict names), the common layers, tensor helpers, and the process-wide native
 * settings ({@link io.gpen.nn.NativeRuntime}, {@link io.gpen.nn.Convolutions}).
 */
package io.gpen.nn;
