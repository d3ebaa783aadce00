package io.gpen.data;

import java.util.List;

/**
 * A batch of face samples in the model's layout: per sample three planes (red, green, blue) of
 * size×size floats in [-1, 1], samples one after another ({@code B×3×size×size}).
 *
 * <p>When the loader does not degrade, {@code lq} and {@code gt} are the same array.
 *
 * @param index the batch's number in the loader's sequence; in training, the iteration it is for
 * @param epoch the pass over the folder it comes from (0 in evaluation)
 * @param size side of every image
 * @param names the file of each sample, relative to the folder, '/' between parts
 * @param lq the degraded inputs
 * @param gt the ground truths
 */
public record Batch(long index, long epoch, int size, List<String> names, float[] lq, float[] gt) {
  /** Copies the name list; the arrays are handed over, not copied. */
  public Batch {
    names = List.copyOf(names);
    int expected = names.size() * 3 * size * size;
    if (lq.length != expected || gt.length != expected) {
      throw new IllegalArgumentException("batch arrays must hold " + expected + " floats");
    }
  }

  /** The number of samples. */
  public int count() {
    return names.size();
  }
}
