package io.gpen.model;

/**
 * The channel table shared by the GPEN generator, its encoder and the discriminator: C[4..32] =
 * int(512·narrow), C[64] = int(256·cm·narrow), ... C[2048] = int(8·cm·narrow).
 */
public final class Channels {
  private Channels() {}

  /** Channels at resolution {@code res} (a power of two from 4 to 2048). */
  public static int at(int res, int channelMultiplier, double narrow) {
    double base =
        switch (res) {
          case 4, 8, 16, 32 -> 512;
          case 64 -> 256.0 * channelMultiplier;
          case 128 -> 128.0 * channelMultiplier;
          case 256 -> 64.0 * channelMultiplier;
          case 512 -> 32.0 * channelMultiplier;
          case 1024 -> 16.0 * channelMultiplier;
          case 2048 -> 8.0 * channelMultiplier;
          default -> throw new IllegalArgumentException("no channel count for resolution " + res);
        };
    // Python's int() of the float product, as the reference computes it
    return (int) (base * narrow);
  }

  /** log2 of a power of two, or an exception naming the value. */
  static int log2(int size) {
    if (size <= 0 || Integer.bitCount(size) != 1) {
      throw new IllegalArgumentException("size must be a power of two, got " + size);
    }
    return Integer.numberOfTrailingZeros(size);
  }
}
