/**
 * Image quality metrics for evaluating face restoration against ground truth.
 *
 * <ul>
 *   <li>{@link io.gpen.metrics.Psnr} and {@link io.gpen.metrics.Ssim}: per image pair, 8-bit, full
 *       0–255 range; no weights.
 *   <li>{@link io.gpen.metrics.Lpips}: per image pair, LPIPS v0.1 on AlexNet; needs weights.
 *   <li>FID over the whole set: {@link io.gpen.metrics.FidInception} gives 2048-d features, a
 *       {@link io.gpen.metrics.FeatureAccumulator} summarises each set into {@link
 *       io.gpen.metrics.FeatureStatistics} (which can be saved and reused for a reference set), and
 *       {@link io.gpen.metrics.FrechetDistance} compares two of them. It is never computed per
 *       image.
 * </ul>
 *
 * <p>An evaluation command is a loop over image pairs on top of these:
 *
 * <pre>{@code
 * Loaded<FidInception> fid = FidInception.open(fidWeights, registry);   // null: skipped
 * Loaded<Lpips> lpips = Lpips.open(lpipsHeads, lpipsTrunk, registry);   // null: skipped
 * MeanAccumulator psnr = new MeanAccumulator(Psnr.NAME), ssim = new MeanAccumulator(Ssim.NAME);
 * FeatureAccumulator restored = FidInception.newAccumulator(), truth = FidInception.newAccumulator();
 * for (each batch of restored images and their ground truths, 8-bit BGR of one size) {
 *   psnr.add(Psnr.of(out, gt)); ssim.add(Ssim.of(out, gt));              // per pair
 *   lpips.model().ifPresent(m -> ...m.distance(outs, gts)...);           // per pair
 *   fid.model().ifPresent(m -> {
 *     try (PointerScope s = new PointerScope()) {
 *       restored.add(m.features(outs)); truth.add(m.features(gts));
 *     }
 *   });
 * }
 * FID: FrechetDistance.between(restored.statistics(), truth.statistics())   // or saved statistics
 * a skipped metric: MetricResult.skipped(name, loaded.skipReason().get()).summary()
 * }</pre>
 */
package io.gpen.metrics;
