package io.gpen.spark;

import io.gpen.face.FaceDetectors;
import io.gpen.workflow.PhotoPipeline;
import io.gpen.workflow.PhotoRestoration;
import java.io.Serializable;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@link PhotoPipeline.Settings}, resolved on the driver, as they travel to the executors: every
 * network named by the file shipped with the job.
 */
record PipelineSpec(
    ShippedModel model,
    FaceDetectors.Kind detector,
    String detectorWeights,
    double alpha,
    PhotoRestoration.Inputs inputs,
    EnumSet<PhotoRestoration.Extra> extras,
    int batchSize,
    PhotoRestoration.Mask mask,
    String parserWeights,
    Integer srScale,
    String srWeights,
    Integer tileSize)
    implements Serializable {

  /** Ships the networks of resolved settings ({@link PhotoPipeline.Settings#resolve}). */
  static PipelineSpec ship(PhotoPipeline.Settings resolved, Shipping shipping) {
    PhotoRestoration.SuperResolution sr = resolved.superResolution();
    EnumSet<PhotoRestoration.Extra> extras = EnumSet.noneOf(PhotoRestoration.Extra.class);
    extras.addAll(resolved.extras());
    return new PipelineSpec(
        ShippedModel.ship(resolved.model(), shipping),
        resolved.detector(),
        shipping.ship(resolved.detectorWeights()),
        resolved.alpha(),
        resolved.inputs(),
        extras,
        resolved.batchSize(),
        resolved.mask(),
        shipping.ship(resolved.parserWeights()),
        sr == null ? null : sr.scale(),
        sr == null ? null : shipping.ship(sr.weights()),
        sr == null ? null : sr.tileSize());
  }

  /** Opens the pipeline on this executor, the model on {@code threads} CPU threads. */
  static PhotoPipeline open(PipelineSpec spec, int threads) {
    return PhotoPipeline.open(spec.settings(threads));
  }

  /** The settings on this executor. */
  PhotoPipeline.Settings settings(int threads) {
    PhotoRestoration.SuperResolution sr =
        srScale == null
            ? null
            : new PhotoRestoration.SuperResolution(srScale, Shipping.local(srWeights), tileSize);
    return new PhotoPipeline.Settings(
        model.spec(threads),
        detector,
        Shipping.local(detectorWeights),
        alpha,
        inputs,
        Set.copyOf(extras),
        batchSize,
        mask,
        Shipping.local(parserWeights),
        sr);
  }
}
