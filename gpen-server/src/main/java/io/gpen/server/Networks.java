package io.gpen.server;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.ParameterText;
import io.gpen.api.FaceRestorer;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.nn.Precision;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelInfo;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import io.gpen.workflow.PhotoRestoration;
import io.gpen.workflow.WorkflowListener;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The networks a server works with: the restorer and the detector, the face parser (null: the
 * rectangle mask) and the super-resolution network (null: none) with its tile size. All of them
 * may be shared by the workers: the restorer's calls come from the batcher alone, the detector is
 * used one detection at a time, and the parser and the super-resolution network serialise their
 * own calls.
 */
record Networks(FaceRestorer restorer, FaceDetector detector, FaceParser parser, RealEsrNet upscaler, int tileSize) {
  /** The super-resolution network's scale, or 1 without it. */
  int scale() {
    return upscaler == null ? 1 : upscaler.scale();
  }

  /** The image super-resolved: a new image {@link #scale()} times larger. */
  Mat upscale(Mat bgr) {
    return upscaler.process(bgr, tileSize);
  }

  /** Loads the networks as {@code gpen restore} does for the same settings. */
  static Networks load(ServerModels models, int batchSize, WorkflowListener listener) {
    ModelRegistry registry = ModelRegistry.defaultRegistry();
    FaceRestorer restorer = models.model().open(batchSize);
    FaceDetector detector = null;
    FaceParser parser = null;
    RealEsrNet upscaler = null;
    try {
      listener.info(restorer.description());
      detector = FaceDetectors.open(models.detector(), models.detectorWeights());
      listener.info(detector.description());
      parser = loadParser(models, registry, listener);
      if (parser != null) {
        listener.info(parser.description());
      }
      PhotoRestoration.SuperResolution sr = models.superResolution();
      if (sr != null) {
        upscaler = loadSuperResolution(sr, registry, models.model().precision());
        listener.info(upscaler.description());
      }
      return new Networks(restorer, detector, parser, upscaler, sr == null ? 0 : sr.tileSize());
    } catch (RuntimeException e) {
      new Networks(restorer, detector, parser, upscaler, 0).close();
      throw e;
    }
  }

  /**
   * The face parser as {@code PhotoRestoration} chooses it: none for the rectangle mask, the given
   * weights, or {@value PhotoRestoration#PARSER_MODEL} where it is cached (else the rectangle mask
   * with a note, or for {@code Mask.PARSE} an error).
   */
  private static FaceParser loadParser(ServerModels models, ModelRegistry registry, WorkflowListener listener) {
    String given = models.parserWeights();
    if (models.mask() == PhotoRestoration.Mask.BOX) {
      if (given != null) {
        listener.note(names -> names.apply("parserWeights") + " has no effect with " + names.apply("mask") + " box");
      }
      return null;
    }
    Path file;
    if (given != null) {
      try {
        file = registry.resolve(given);
      } catch (GpenException e) {
        throw BadParameter.naming("parserWeights", e);
      }
    } else {
      ModelInfo model = registry.require(PhotoRestoration.PARSER_MODEL);
      if (!registry.isCached(model)) {
        ParameterText missing = names -> "no face parser weights given (" + names.apply("parserWeights") + ") and "
            + PhotoRestoration.PARSER_MODEL + " is not in the model cache " + registry.cacheDir();
        if (models.mask() == PhotoRestoration.Mask.PARSE) {
          throw new BadParameter(names -> names.apply("mask") + " parse needs the face parser: " + missing.render(names));
        }
        listener.note(names -> missing.render(names) + "; the faces are pasted under the rectangle mask ("
            + names.apply("mask") + " box chooses it without this note)");
        return null;
      }
      file = registry.cachedFile(model);
    }
    try {
      return FaceParser.load(file, models.model().precision());
    } catch (GpenException e) {
      throw given != null ? BadParameter.naming("parserWeights", e) : e;
    }
  }

  private static RealEsrNet loadSuperResolution(PhotoRestoration.SuperResolution sr, ModelRegistry registry,
      Precision precision) {
    String weights = sr.weights() != null ? sr.weights() : "realesrnet_x" + sr.scale();
    RealEsrNet net;
    try {
      net = RealEsrNet.load(registry.resolve(weights), precision);
    } catch (GpenException e) {
      throw sr.weights() != null ? BadParameter.naming("srWeights", e) : e;
    }
    if (sr.scale() != 0 && net.scale() != sr.scale()) {
      int actual = net.scale();
      net.close();
      throw new BadParameter(names -> names.apply("srWeights") + " " + weights + " is a x" + actual
          + " network, not the x" + sr.scale() + " of " + names.apply("srScale"));
    }
    return net;
  }

  /** Frees every network (those that are null are skipped). */
  void close() {
    if (upscaler != null) {
      upscaler.close();
    }
    if (parser != null) {
      parser.close();
    }
    if (detector != null) {
      detector.close();
    }
    if (restorer != null) {
      restorer.close();
    }
  }
}
