package io.gpen.cli;

import io.gpen.nn.Precision;
import picocli.CommandLine.Option;

/** The option that chooses the number format of the model's convolutions. */
public final class PrecisionOption {
  // a string, not the enum, so that a bad value is a one-line error naming the flag (BadParameter)
  @Option(
      names = "--precision",
      paramLabel = "P",
      defaultValue = "fp32",
      description =
          "Convolutions in fp32, or in bf16 (several times faster on CPUs with AVX-512-BF16; the latent,"
              + " styles, demodulation and ToRGB stay fp32). Engine libtorch only.")
  String precision;

  /** The precision named, or a one-line error naming --precision. */
  Precision value() {
    return Precision.of(precision);
  }
}
