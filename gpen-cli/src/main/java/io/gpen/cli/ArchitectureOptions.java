package io.gpen.cli;

import io.gpen.model.ModelFiles;
import picocli.CommandLine.Option;

/**
 * The architecture settings of a GPEN checkpoint, each read from its tensor shapes unless given:
 * the commands that load a generator share them.
 */
public final class ArchitectureOptions {
  @Option(
      names = "--size",
      paramLabel = "N",
      description = "Model size. Default: inferred from the weights.")
  Integer size;

  @Option(
      names = "--mul",
      paramLabel = "M",
      description = "Channel multiplier. Default: inferred from the weights.")
  Integer mul;

  @Option(
      names = "--narrow",
      paramLabel = "F",
      description = "Width factor. Default: inferred from the weights.")
  Double narrow;

  @Option(
      names = "--out_size",
      paramLabel = "N",
      description =
          "Output side of a FullGenerator_SR model (larger than --size). Default: inferred from the weights.")
  Integer outSize;

  /** These settings as the checkpoint loader takes them. */
  ModelFiles.Overrides overrides() {
    return new ModelFiles.Overrides(size, mul, narrow, outSize);
  }
}
