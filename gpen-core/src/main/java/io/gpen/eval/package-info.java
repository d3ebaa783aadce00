/**
 * Evaluation of a restoration model on a test set, on top of {@link io.gpen.metrics}: {@link
 * io.gpen.eval.Evaluator} gives batches of (degraded input, restored face, real face) to its
 * metrics, each a {@link io.gpen.eval.Scorer} plugin that keeps only what it needs (per-image
 * scores in a {@link io.gpen.eval.PerImageScores}, FID statistics): {@link
 * io.gpen.eval.PsnrScorer}, {@link io.gpen.eval.SsimScorer}, {@link io.gpen.eval.LpipsScorer},
 * {@link io.gpen.eval.FidScorer}, {@link io.gpen.eval.IdentityScorer}, and any of one's own. {@link
 * io.gpen.eval.Evaluation} holds the result, one {@link io.gpen.eval.Metric} per row with a column
 * for the degraded inputs and one for the restored faces; {@link io.gpen.eval.Reports} writes it as
 * {@code metrics.json} and {@code index.html}, every metric under its label. Used by {@code gpen
 * test} and {@code gpen infer --degrade}.
 */
package io.gpen.eval;
