/**
 * GPEN training as the official {@code train_simple.py}: the losses and regularisers ({@link
 * io.gpen.train.Losses}), Adam with its state in the open ({@link io.gpen.train.Adam}), one
 * iteration of the schedule with the moving-average generator ({@link io.gpen.train.Trainer}), a
 * whole run with its log, checkpoints, sample grids and validation ({@link
 * io.gpen.train.TrainingRun}), and the settings from defaults, YAML and flags ({@link
 * io.gpen.train.TrainConfig}, declared by the schema {@link io.gpen.train.TrainSettings}).
 *
 * <p>Reproducibility: the initial weights come from {@code torch.manual_seed(seed)}, the data from
 * the {@link io.gpen.data.FaceLoader}'s (seed, iteration) streams, the path-length noise from a
 * generator seeded by (seed, iteration); everything else an iteration reads is saved in the
 * checkpoint. So a run resumed from a checkpoint reaches bit-identical weights to an uninterrupted
 * one (on the same machine, thread count and libtorch).
 */
package io.gpen.train;
