package io.gpen.workflow;

import java.nio.file.Path;

/**
 * The files written for one input image of a restoration.
 *
 * @param input the input image
 * @param restored the restored image
 * @param degraded the degraded copy of the input the model was given (evaluations) or the input
 *     with its missing parts painted white (inpainting), else null
 */
public record WrittenFace(Path input, Path restored, Path degraded) {}
