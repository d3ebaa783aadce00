package io.gpen.eval;

import java.io.Serializable;
import java.util.List;

/**
 * What a {@link Scorer} has gathered, as a value that can travel between processes, for an
 * evaluation split into parts of one set (the partitions of a Spark job): each part is scored by
 * its own scorers, the tallies of the parts are merged in the order of the set ({@link #append}),
 * and the merged tally gives what one scorer given the whole set would have given.
 *
 * <p>Per-image metrics ({@link PerImageScores}) merge exactly: the values of the later part are
 * added one by one after those of the earlier part, as one scorer would have added them. FID's
 * feature statistics ({@link FidScorer}) merge by Chan et al.'s pairwise update, which gives the
 * statistics of the whole set up to rounding (about 1e-15 relative), not the bits of one pass.
 *
 * <p>A tally is mutable: {@link #append} changes it. {@link Scorer#tally()} gives the scorer's own
 * state, to take after the last batch.
 */
public interface Tally extends Serializable {
  /** The metric of the tally. */
  Metric metric();

  /**
   * Adds what {@code later} gathered, as if this tally's scorer had been given the images of {@code
   * later} after its own; {@code later} is not changed.
   *
   * @throws IllegalArgumentException where {@code later} is another metric's, or of another kind
   */
  void append(Tally later);

  /** The metric's two columns over the images gathered, as {@link Scorer#finish()} gives them. */
  Evaluation.Scores finish();

  /**
   * What else the metric computed, as {@link Scorer#byProducts()}, once {@link #finish()} has run.
   */
  default List<Object> byProducts() {
    return List.of();
  }
}
