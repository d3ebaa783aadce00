/**
 * Data-parallel training on libtorch's c10d: the {@link io.gpen.train.distributed.Launcher} starts
 * a machine's worker JVMs with torchrun's environment, each worker ({@link
 * io.gpen.train.distributed.Worker}) joins a {@link io.gpen.train.distributed.GlooGroup} (a {@code
 * TCPStore} and a {@code ProcessGroupGloo}), and {@link io.gpen.train.Trainer#distribute} keeps the
 * ranks' networks identical through the {@link io.gpen.train.distributed.Collective} operations.
 */
package io.gpen.train.distributed;
