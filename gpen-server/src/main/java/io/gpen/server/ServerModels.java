package io.gpen.server;

import io.gpen.face.FaceDetectors;
import io.gpen.workflow.ModelSpec;
import io.gpen.workflow.PhotoPipeline;
import io.gpen.workflow.PhotoRestoration;
import java.util.Objects;
import java.util.Set;

/**
 * The networks a {@link GpenServer} loads, as {@code gpen restore} takes them: the restoration
 * model, the face detector, the paste mask (the face parser's, or the rectangle) and, where
 * requests may ask for background super-resolution, the super-resolution network. They load as a
 * {@link PhotoPipeline} ({@link #settings}), the networks' part of its settings.
 *
 * <pre>{@code
 * ServerModels.of(ModelSpec.libtorch("GPEN-BFR-512"))
 *     .withDetector(FaceDetectors.Kind.RETINAFACE, "RetinaFace-MobileNet0.25")
 *     .withMask(PhotoRestoration.Mask.PARSE, "ParseNet-latest")
 *     .withSuperResolution(PhotoRestoration.SuperResolution.ofScale(2))
 * }</pre>
 *
 * @param model the restoration model
 * @param detector the face detector
 * @param detectorWeights its weights, a file or a model name (null: the detector's default model)
 * @param mask the paste mask, chosen as {@code gpen restore --mask} chooses it
 * @param parserWeights the face parser's weights (null: {@value PhotoRestoration#PARSER_MODEL}
 *     where it is in the model cache)
 * @param superResolution the background super-resolution network, or null for none (requests asking
 *     for it are then answered 400)
 */
public record ServerModels(
    ModelSpec model,
    FaceDetectors.Kind detector,
    String detectorWeights,
    PhotoRestoration.Mask mask,
    String parserWeights,
    PhotoRestoration.SuperResolution superResolution) {
  public ServerModels {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(detector, "detector");
    Objects.requireNonNull(mask, "mask");
  }

  /**
   * The model with RetinaFace (its default weights), the automatic mask and no super-resolution.
   */
  public static ServerModels of(ModelSpec model) {
    return new ServerModels(
        model, FaceDetectors.Kind.RETINAFACE, null, PhotoRestoration.Mask.AUTO, null, null);
  }

  /** These models with another detector (weights null: its default model). */
  public ServerModels withDetector(FaceDetectors.Kind kind, String weights) {
    return new ServerModels(model, kind, weights, mask, parserWeights, superResolution);
  }

  /** These models with another paste mask and parser weights (null: the cached default). */
  public ServerModels withMask(PhotoRestoration.Mask mask, String parserWeights) {
    return new ServerModels(model, detector, detectorWeights, mask, parserWeights, superResolution);
  }

  /** These models with background super-resolution on offer (null: none). */
  public ServerModels withSuperResolution(PhotoRestoration.SuperResolution superResolution) {
    return new ServerModels(model, detector, detectorWeights, mask, parserWeights, superResolution);
  }

  /**
   * The pipeline settings that load these networks, the model with batches of {@code batchSize}
   * faces; the rest (alpha, aligned input, super-resolution on or off) each request chooses.
   */
  public PhotoPipeline.Settings settings(int batchSize) {
    return new PhotoPipeline.Settings(
        model,
        detector,
        detectorWeights,
        1.0,
        PhotoRestoration.Inputs.PHOTOS,
        Set.of(),
        batchSize,
        mask,
        parserWeights,
        superResolution);
  }
}
