/** Measuring speed and memory for {@code gpen bench}: timings, FLOP counts, peak memory. */
package io.gpen.bench;
