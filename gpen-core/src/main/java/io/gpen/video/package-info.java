/**
 * Videos: reading and writing them with FFmpeg (the {@code org.bytedeco:ffmpeg} build JavaCV uses,
 * in process; {@link io.gpen.video.VideoReader}, {@link io.gpen.video.VideoWriter}), following
 * faces from frame to frame and smoothing their landmarks over time ({@link
 * io.gpen.video.FaceTracker}, {@link io.gpen.video.Smoothing}), the bounded pipeline that restores
 * a video's faces as its frames stream through ({@link io.gpen.video.FacePipeline}) and the measure
 * of flicker ({@link io.gpen.video.Flicker}). {@link io.gpen.workflow.VideoRestoration} runs them
 * for {@code gpen restore}.
 *
 * <p>FFmpeg's own log is not printed: its errors are kept and named in the one-line errors of this
 * package (the first use of the package sets FFmpeg's log level to errors and its log callback for
 * the whole process).
 */
package io.gpen.video;
