package io.gpen.video;

/**
 * What a {@link VideoReader} reads.
 *
 * @param width the frames' width as shown (stored rotation applied)
 * @param height the frames' height as shown
 * @param frameRate frames per second (the container's average, or FFmpeg's guess)
 * @param frames the frames in the part read: the container's count or an estimate from the duration
 *     and the frame rate; -1 where neither is known
 * @param seconds the duration of the part read; 0 where unknown
 * @param videoCodec the video codec's name, e.g. {@code h264}
 * @param audioCodec the audio codec's name, or null for a video without sound
 * @param rotation the clockwise rotation (0, 90, 180 or 270 degrees) the file asks players to
 *     apply; frames are read upright
 */
public record VideoInfo(
    int width,
    int height,
    double frameRate,
    long frames,
    double seconds,
    String videoCodec,
    String audioCodec,
    int rotation) {
  /** Whether the video has a sound track (copied into the output). */
  public boolean hasAudio() {
    return audioCodec != null;
  }
}
