/**
 * Evaluation of a restoration model on a test set, on top of {@link io.gpen.metrics}: {@link
 * io.gpen.eval.Evaluator} scores batches of (degraded input, restored face, real face) and keeps
 * only per-image scores and FID statistics; {@link io.gpen.eval.Evaluation} holds the result, one
 * {@link io.gpen.eval.Metric} per row with a column for the degraded inputs and one for the
 * restored faces; {@link io.gpen.eval.Reports} writes it as {@code metrics.json} and {@code
 * index.html}. Used by {@code gpen test} and {@code gpen infer --degrade}.
 */
package io.gpen.eval;
