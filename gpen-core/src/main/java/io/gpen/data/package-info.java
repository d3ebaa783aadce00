/**
 * Training and test data: the seeded GPEN/GFPGAN degradation ({@link io.gpen.data.Degradation},
 * {@link io.gpen.data.DegradationConfig}, with its settings {@link
 * io.gpen.data.DegradationSettings}), folders of face images ({@link io.gpen.data.FaceDataset}) and
 * the background batch loader ({@link io.gpen.data.FaceLoader}, {@link io.gpen.data.Batch}), and
 * the reference demo's seeded random brush strokes for inpainting ({@link
 * io.gpen.data.BrushStrokes}).
 */
package io.gpen.data;
