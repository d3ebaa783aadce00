package io.gpen.data;

/**
 * The draws of NumPy's legacy global generator ({@code np.random.seed(s)} then {@code
 * np.random.randint}, {@code uniform}, {@code normal}), number for number: MT19937 seeded with
 * Knuth's initialisation, bounded integers by masked rejection on 32-bit outputs, doubles from two
 * outputs (53 bits), normals by the polar method with the second value kept for the next call.
 * Enough of it to replay the reference demo's random brush strokes ({@link BrushStrokes}).
 */
final class NumpyRandom {
  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER_MASK = 0x80000000;
  private static final int LOWER_MASK = 0x7fffffff;

  private final int[] key = new int[N];
  private int pos;
  private boolean hasGauss;
  private double gauss;

  /** The generator after {@code np.random.seed(seed)}, a seed from 0 to 2³²−1. */
  NumpyRandom(long seed) {
    if (seed < 0 || seed > 0xffffffffL) {
      throw new IllegalArgumentException("seed must be between 0 and 2^32 - 1, got " + seed);
    }
    int s = (int) seed;
    for (int i = 0; i < N; i++) {
      key[i] = s;
      s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
    }
    pos = N;
  }

  /** The next 32-bit output, as an unsigned value in an int. */
  int nextInt32() {
    if (pos == N) {
      regenerate();
    }
    int y = key[pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void regenerate() {
    int i = 0;
    for (; i < N - M; i++) {
      int y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      int y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M - N] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    int y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    pos = 0;
  }

  /** {@code np.random.random_sample()}: a double in [0, 1) from two outputs. */
  double nextDouble() {
    long a = (nextInt32() & 0xffffffffL) >>> 5;
    long b = (nextInt32() & 0xffffffffL) >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** {@code np.random.randint(low, high)}: low inclusive, high exclusive, high − low below 2³². */
  long randint(long low, long high) {
    long range = high - 1 - low;
    if (range < 0 || range > 0xffffffffL) {
      throw new IllegalArgumentException(
          "randint needs low < high within 2^32, got " + low + ", " + high);
    }
    if (range == 0) {
      return low;
    }
    long mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    long value;
    do {
      value = (nextInt32() & 0xffffffffL) & mask;
    } while (value > range);
    return low + value;
  }

  /** {@code np.random.uniform(low, high)}. */
  double uniform(double low, double high) {
    return low + (high - low) * nextDouble();
  }

  /** {@code np.random.normal(loc, scale)}. */
  double normal(double loc, double scale) {
    return loc + scale * gauss();
  }

  private double gauss() {
    if (hasGauss) {
      hasGauss = false;
      return gauss;
    }
    double x1;
    double x2;
    double r2;
    do {
      x1 = 2.0 * nextDouble() - 1.0;
      x2 = 2.0 * nextDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = StrictMath.sqrt(-2.0 * StrictMath.log(r2) / r2);
    gauss = f * x1;
    hasGauss = true;
    return f * x2;
  }
}
