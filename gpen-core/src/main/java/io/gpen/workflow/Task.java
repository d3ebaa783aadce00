package io.gpen.workflow;

import io.gpen.api.PixelRange;

/**
 * What a model does to an aligned face, as the reference demo's {@code --task}: each task feeds its
 * model and treats its output as the reference's class for it does. The model must be one trained
 * for the task (GPEN-BFR, GPEN-Colorization, GPEN-Inpainting, GPEN-Seg2face); nothing in a
 * checkpoint says which task it was trained for.
 */
public enum Task {
  /**
   * Blind face restoration ({@code FaceEnhancement} with {@code --aligned}): the face in, the
   * restored face out.
   */
  ENHANCEMENT("enhancement", PixelRange.SIGNED),
  /**
   * Colourisation ({@code FaceColorization}): a grey face in, restored at the model size; where the
   * input has another size, the output is resized to it (bilinear) and given the input's luma: the
   * Y plane of its YUV is the input's.
   */
  COLORIZATION("colorization", PixelRange.SIGNED),
  /**
   * Inpainting ({@code FaceInpainting}): the face with its missing parts painted white (255) in,
   * the completed face out; the missing parts come from a mask image or the demo's random brush
   * strokes, and the painted input is written too.
   */
  INPAINTING("inpainting", PixelRange.SIGNED),
  /**
   * Face from a segmentation map ({@code Segmentation2Face}): the map in, a face out, both in [0,
   * 1] rather than [-1, 1] ({@code is_norm=False}).
   */
  SEG2FACE("seg2face", PixelRange.UNIT);

  private final String label;
  private final PixelRange pixelRange;

  Task(String label, PixelRange pixelRange) {
    this.label = label;
    this.pixelRange = pixelRange;
  }

  /** The values the task's model takes and gives. */
  public PixelRange pixelRange() {
    return pixelRange;
  }

  /** The task's name in lower case, as the command line takes it (e.g. {@code seg2face}). */
  @Override
  public String toString() {
    return label;
  }
}
