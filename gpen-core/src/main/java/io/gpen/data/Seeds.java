package io.gpen.data;

import java.util.SplittableRandom;

/**
 * Counter-based random streams: each (seed, purpose, epoch, position) gets its own generator,
 * computed from the numbers alone, so what a sample sees never depends on which thread made it or
 * on how many samples were made before (random access is what exact resume needs).
 *
 * <p>The key goes through the SplitMix64 finaliser once per part; two keys then share a stream only
 * by a 64-bit hash collision, whereas {@code SplittableRandom} seeds that differ by its step
 * constant would give shifted copies of one stream.
 */
final class Seeds {
  /** Purpose tags, so that a shuffle and a degradation never share a stream. */
  static final long DEGRADE = 0x6465677261646531L;

  static final long SHUFFLE = 0x73687566666c6531L;

  private Seeds() {}

  static SplittableRandom stream(long seed, long purpose, long epoch, long position) {
    long h = mix(seed ^ purpose);
    h = mix(h + epoch);
    h = mix(h + position);
    return new SplittableRandom(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
