package io.gpen.workflow;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.api.Engine;
import io.gpen.api.FaceRestorer;
import io.gpen.face.DetectedFace;
import io.gpen.face.FaceAlignment;
import io.gpen.face.FaceDetector;
import io.gpen.face.FaceDetectors;
import io.gpen.face.FaceEnhancer;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.parse.FaceParser;
import io.gpen.registry.ModelInfo;
import io.gpen.registry.ModelRegistry;
import io.gpen.sr.RealEsrNet;
import io.gpen.workflow.PhotoRestoration.Extra;
import io.gpen.workflow.PhotoRestoration.Inputs;
import io.gpen.workflow.PhotoRestoration.Mask;
import io.gpen.workflow.PhotoRestoration.SuperResolution;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/**
 * The networks of a photo restoration, loaded once, restoring one photo at a time in memory: a
 * decoded photo in, the files {@code gpen restore} writes for it out, encoded ({@link Restored}).
 * {@link PhotoRestoration} runs it over a folder and writes the files there; the Spark job of
 * {@code gpen-spark} runs one in each executor and writes them to a Hadoop file system.
 *
 * <p>Opening it is in two steps, so that a driver can fetch the networks' files and ship them to
 * where the pipeline runs: {@link Settings#resolve} turns every model name into a file and decides
 * the paste mask (telling the listener once), {@link #open} loads resolved settings.
 *
 * <p>A service restores each photo with its own {@link Choices} and {@link Format}, its faces
 * handed to a restorer of its own ({@link #restore(Image, Choices, FaceRestorer, Format)}), e.g.
 * one that batches the faces of concurrent requests into calls of {@link #restorer()}; detection,
 * alignment, the paste mask, paste-back and super-resolution stay the pipeline's.
 *
 * <p>One pipeline may be shared by several threads. {@link #restore(Image, String, String)}
 * restores one photo at a time (its paste-back keeps state, and each network pass already uses the
 * cores it was given); {@link #restore(Image, Choices, FaceRestorer, Format)} runs concurrently,
 * each call with a paste-back of its own, and the networks serialise their own passes (the detector
 * one detection at a time). Close it to free the networks; it waits for the photos in progress.
 */
public final class PhotoPipeline implements AutoCloseable {
  /** The registry name of the super-resolution network of a scale: {@code realesrnet_x<scale>}. */
  private static final String SR_MODEL_PREFIX = "realesrnet_x";

  private static final int JPEG_QUALITY = 95;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Choices defaults;
  private final Set<Extra> extras;

  /** The super-resolution's tile size (0: untiled). */
  private final int tileSize;

  private final FaceParser parser;
  private final RealEsrNet upscaler;
  private final FaceRestorer restorer;
  private final FaceDetector detector;

  /** Whether {@link #close()} closes the networks: not those a caller lent ({@link #over}). */
  private final boolean ownsNetworks;

  private final FaceEnhancer enhancer;

  /** Held (shared) by every photo in progress, exclusively by {@link #close()}. */
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private boolean closed;

  /**
   * What may change from one photo to the next in a service: the {@link Settings}' inputs and
   * alpha, and whether the background is super-resolved (the pipeline must have the network).
   *
   * @param aligned whether the photo is an aligned face (restored whole: no detection, no
   *     paste-back)
   * @param alpha the weight of the restored face against the original one, 0 to 1
   * @param superResolution whether to super-resolve (a photo's background, or the restored aligned
   *     face)
   */
  public record Choices(boolean aligned, double alpha, boolean superResolution) {
    public Choices {
      if (!(alpha >= 0 && alpha <= 1)) {
        throw BadParameter.of("alpha", "must be between 0 and 1, got " + alpha);
      }
    }
  }

  /** How {@link #restore(Image, Choices, FaceRestorer, Format)} encodes the restored photo. */
  public enum Format {
    /**
     * As {@code <name>_GPEN.png}: with the alpha plane where the input had one, as grey where it
     * was grey.
     */
    PNG(".png"),
    /**
     * A JPEG of the quality of {@code <name>_COMP.jpg} (95), grey where the input was; no alpha
     * plane.
     */
    JPEG(".jpg");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    /** The file extension, with its dot. */
    public String extension() {
      return extension;
    }
  }

  /**
   * How photos are restored: the {@link PhotoRestoration.Options} without the input and the output.
   *
   * @param model the restoration model
   * @param detector the face detector (not used for aligned faces)
   * @param detectorWeights the detector's weights, a file or a model name; null: the detector's
   *     default model (downloaded when absent)
   * @param alpha the weight of the restored face against the original one, 0 to 1
   * @param inputs whether the inputs are photos or aligned faces
   * @param extras the files to write besides the restored photos
   * @param batchSize faces per forward pass
   * @param mask which mask pastes the faces back
   * @param parserWeights the face parser's weights, a file or a model name (downloaded when
   *     absent); null: {@value PhotoRestoration#PARSER_MODEL} where it is cached
   * @param superResolution the background super-resolution, or null for none
   */
  public record Settings(
      ModelSpec model,
      FaceDetectors.Kind detector,
      String detectorWeights,
      double alpha,
      Inputs inputs,
      Set<Extra> extras,
      int batchSize,
      Mask mask,
      String parserWeights,
      SuperResolution superResolution) {
    public Settings {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(detector, "detector");
      Objects.requireNonNull(inputs, "inputs");
      Objects.requireNonNull(mask, "mask");
      extras = Set.copyOf(extras);
      if (!(alpha >= 0 && alpha <= 1)) {
        throw BadParameter.of("alpha", "must be between 0 and 1, got " + alpha);
      }
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
    }

    /** Whether the inputs are aligned faces (no detection, no paste-back). */
    public boolean aligned() {
      return inputs == Inputs.ALIGNED_FACES;
    }

    /**
     * These settings with every network a file: the model, the detector (its default model where
     * none is given; none for aligned faces), the face parser and the super-resolution network
     * resolved through {@code registry} (downloaded where they are names of models not yet cached),
     * and the mask decided: {@link Mask#PARSE} with the parser's file, or {@link Mask#BOX} without
     * a parser. The listener is told once what {@link PhotoRestoration} notes: options without
     * effect, and a parser wanted but not to be had.
     *
     * @throws BadParameter naming {@code parserWeights} or {@code srWeights} when given weights
     *     cannot be had, or {@code mask} when the parser's mask is required and no weights are
     *     given or cached
     * @throws GpenException naming the file when another network's weights cannot be had
     */
    public Settings resolve(ModelRegistry registry, WorkflowListener listener) {
      if (aligned() && (mask != Mask.AUTO || parserWeights != null)) {
        listener.note(
            names ->
                names.apply("mask")
                    + " and "
                    + names.apply("parserWeights")
                    + " have no effect on"
                    + " aligned faces: they are restored whole, not pasted back");
      }
      Path parser = aligned() ? null : parserFile(registry, listener);
      ModelSpec resolvedModel =
          model.engine() == Engine.LIBTORCH
              ? new ModelSpec(
                  model.engine(),
                  registry.resolve(model.weights()).toString(),
                  model.key(),
                  model.architecture(),
                  model.device(),
                  model.threads(),
                  model.precision())
              : model;
      String detectorFile =
          aligned()
              ? null
              : registry
                  .resolve(detectorWeights != null ? detectorWeights : detector.defaultModel())
                  .toString();
      SuperResolution sr =
          superResolution == null
              ? null
              : new SuperResolution(
                  superResolution.scale(),
                  superResolutionFile(registry).toString(),
                  superResolution.tileSize());
      return new Settings(
          resolvedModel,
          detector,
          detectorFile,
          alpha,
          inputs,
          extras,
          batchSize,
          parser == null ? Mask.BOX : Mask.PARSE,
          parser == null ? null : parser.toString(),
          sr);
    }

    /**
     * The face parser's weights file these settings ask for, or null for the rectangle mask (with a
     * note where the parser was wanted but is not to be had).
     */
    private Path parserFile(ModelRegistry registry, WorkflowListener listener) {
      if (mask == Mask.BOX) {
        if (parserWeights != null) {
          listener.note(
              names ->
                  names.apply("parserWeights")
                      + " has no effect with "
                      + names.apply("mask")
                      + " box");
        }
        return null;
      }
      if (parserWeights != null) {
        try {
          return registry.resolve(parserWeights);
        } catch (GpenException e) {
          throw BadParameter.naming("parserWeights", e);
        }
      }
      ModelInfo parserModel = registry.require(PhotoRestoration.PARSER_MODEL);
      if (registry.isCached(parserModel)) {
        return registry.cachedFile(parserModel);
      }
      Path cache = registry.cacheDir();
      if (mask == Mask.PARSE) {
        throw new BadParameter(
            names ->
                names.apply("mask")
                    + " parse needs the face parser: "
                    + noParser(names.apply("parserWeights"), cache));
      }
      listener.note(
          names ->
              noParser(names.apply("parserWeights"), cache)
                  + "; the faces are pasted under the"
                  + " rectangle mask ("
                  + names.apply("mask")
                  + " box chooses it without this note)");
      return null;
    }

    private Path superResolutionFile(ModelRegistry registry) {
      String weights =
          superResolution.weights() != null
              ? superResolution.weights()
              : SR_MODEL_PREFIX + superResolution.scale();
      try {
        return registry.resolve(weights);
      } catch (GpenException e) {
        throw superResolution.weights() != null ? BadParameter.naming("srWeights", e) : e;
      }
    }
  }

  private static String noParser(String parserWeights, Path cache) {
    return "no face parser weights given ("
        + parserWeights
        + ") and "
        + PhotoRestoration.PARSER_MODEL
        + " is not in the model cache "
        + cache;
  }

  /**
   * A file the restoration of a photo gives: its name in the output folder and its bytes, in native
   * memory, which {@link #close()} frees.
   */
  public record OutputFile(String name, BytePointer bytes) implements AutoCloseable {
    public OutputFile {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(bytes, "bytes");
    }

    /** The bytes as a buffer over the native memory (valid until closed). */
    public ByteBuffer buffer() {
      return bytes.asByteBuffer();
    }

    /** How many bytes. */
    public long size() {
      return bytes.limit();
    }

    @Override
    public void close() {
      bytes.close();
    }
  }

  /**
   * What one photo gave.
   *
   * @param faces how many faces were restored (1 for an aligned face)
   * @param files the files to write, the restored photo ({@code <name>_GPEN.png}) last, so that a
   *     writer that stops part way never leaves the restored photo without the files beside it
   */
  public record Restored(int faces, List<OutputFile> files) implements AutoCloseable {
    public Restored {
      files = List.copyOf(files);
    }

    /** The restored photo, {@code <name>_GPEN.png}: the last file. */
    public OutputFile photo() {
      return files.get(files.size() - 1);
    }

    @Override
    public void close() {
      files.forEach(OutputFile::close);
    }
  }

  private PhotoPipeline(
      Choices defaults,
      Set<Extra> extras,
      int tileSize,
      FaceParser parser,
      RealEsrNet upscaler,
      FaceRestorer restorer,
      FaceDetector detector,
      boolean ownsNetworks) {
    this.defaults = defaults;
    this.extras = extras;
    this.tileSize = tileSize;
    this.parser = parser;
    this.upscaler = upscaler;
    this.restorer = restorer;
    this.detector = detector;
    this.ownsNetworks = ownsNetworks;
    this.enhancer = new FaceEnhancer(restorer, defaults.alpha(), parser);
  }

  /**
   * A pipeline over a restorer and a detector the caller has opened and closes after this pipeline
   * ({@link #close()} leaves them open): photos, alpha 1, the rectangle mask, no super-resolution
   * and no extra files.
   */
  public static PhotoPipeline over(FaceRestorer restorer, FaceDetector detector) {
    return new PhotoPipeline(
        new Choices(false, 1.0, false),
        Set.of(),
        0,
        null,
        null,
        Objects.requireNonNull(restorer, "restorer"),
        Objects.requireNonNull(detector, "detector"),
        false);
  }

  /**
   * Loads the networks of {@link Settings#resolve resolved} settings: the face parser where the
   * mask is {@link Mask#PARSE}, the super-resolution network where asked, the restoration model
   * and, for photos, the detector.
   *
   * @throws BadParameter naming {@code parserWeights} or {@code srWeights} when that file is not
   *     such a network, or the super-resolution network is not of the scale asked for
   * @throws GpenException naming the file when another network cannot be loaded
   */
  public static PhotoPipeline open(Settings resolved) {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      FaceParser parser =
          resolved.aligned() || resolved.mask() != Mask.PARSE
              ? null
              : opened(opened, loadParser(resolved.parserWeights(), resolved.model().precision()));
      RealEsrNet upscaler =
          resolved.superResolution() == null
              ? null
              : opened(
                  opened,
                  loadSuperResolution(resolved.superResolution(), resolved.model().precision()));
      FaceRestorer restorer = opened(opened, resolved.model().open(resolved.batchSize()));
      FaceDetector detector =
          resolved.aligned()
              ? null
              : opened(opened, FaceDetectors.open(resolved.detector(), resolved.detectorWeights()));
      SuperResolution sr = resolved.superResolution();
      return new PhotoPipeline(
          new Choices(resolved.aligned(), resolved.alpha(), sr != null),
          resolved.extras(),
          sr == null ? 0 : sr.tileSize(),
          parser,
          upscaler,
          restorer,
          detector,
          true);
    } catch (RuntimeException | Error e) {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static <T extends AutoCloseable> T opened(List<AutoCloseable> opened, T network) {
    opened.add(network);
    return network;
  }

  /**
   * Loads the face parser from its file; an unusable file is an error naming {@code parserWeights}.
   */
  static FaceParser loadParser(String file, Precision precision) {
    try {
      return FaceParser.load(Path.of(file), precision);
    } catch (GpenException e) {
      throw BadParameter.naming("parserWeights", e);
    }
  }

  /** Loads the super-resolution network; its scale must be the one asked for (0: any). */
  static RealEsrNet loadSuperResolution(SuperResolution sr, Precision precision) {
    RealEsrNet net;
    try {
      net = RealEsrNet.load(Path.of(sr.weights()), precision);
    } catch (GpenException e) {
      throw BadParameter.naming("srWeights", e);
    }
    if (sr.scale() != 0 && net.scale() != sr.scale()) {
      int actual = net.scale();
      net.close();
      throw new BadParameter(
          names ->
              names.apply("srWeights")
                  + " "
                  + sr.weights()
                  + " is a x"
                  + actual
                  + " network, not the x"
                  + sr.scale()
                  + " of "
                  + names.apply("srScale"));
    }
    return net;
  }

  /**
   * The restoration model, for a service that batches the faces of several photos into its calls
   * and hands them in through {@link #restore(Image, Choices, FaceRestorer, Format)}; the pipeline
   * owns it.
   */
  public FaceRestorer restorer() {
    return restorer;
  }

  /** The super-resolution network's scale, or 1 without one. */
  public int superResolutionScale() {
    return upscaler == null ? 1 : upscaler.scale();
  }

  /** What the restoration model is and how it runs. */
  public String model() {
    return restorer.description();
  }

  /** What the detector is, or null for aligned faces. */
  public String detector() {
    return detector == null ? null : detector.description();
  }

  /** What the face parser is, or null where the rectangle mask pastes the faces. */
  public String parser() {
    return parser == null ? null : parser.description();
  }

  /** What the super-resolution network is, or null for none. */
  public String superResolution() {
    return upscaler == null ? null : upscaler.description();
  }

  /** The model, detector, parser and super-resolution network, one line each, those loaded. */
  public List<String> descriptions() {
    List<String> lines = new ArrayList<>();
    for (String d : new String[] {model(), detector(), parser(), superResolution()}) {
      if (d != null) {
        lines.add(d);
      }
    }
    return lines;
  }

  /**
   * Restores one photo (or aligned face) and encodes the files {@link PhotoRestoration} writes for
   * it, named after {@code name}: {@code <name>_GPEN.png}, for photos {@code <name>.faces.json},
   * and the extras asked for. A photo without faces gives the photo unchanged and 0 faces.
   *
   * @param image the decoded photo; not closed
   * @param name the stem of the output names (the input's file name without its extension)
   * @param source the input's file name, which the face list records
   * @throws GpenException when a network refuses the photo (e.g. non-finite output)
   * @throws IllegalStateException once closed
   */
  public synchronized Restored restore(Image image, String name, String source) {
    return restore(image, null, name, source);
  }

  /**
   * As {@link #restore(Image, String, String)}, with the faces {@link #detect(Image)} found in
   * {@code image} beforehand.
   *
   * @param found what {@link #detect(Image)} gave for {@code image}, or null to detect here
   */
  public synchronized Restored restore(Image image, Detected found, String name, String source) {
    return whileOpen(
        () ->
            restore(
                image,
                defaults,
                enhancer,
                new Outputs(name, source, extras, true, Format.PNG),
                found));
  }

  /**
   * The faces of a photo, found as {@link #restore(Image, String, String)} finds them: on the photo
   * itself, or, with super-resolution, on the photo resized to the super-resolved size (a pipeline
   * of aligned faces finds none and detects nothing). It is not serialised with {@code restore}: a
   * folder's next photo is searched while this one is restored ({@link PhotoRestoration}).
   *
   * @param image the decoded photo; not closed
   * @throws IllegalStateException once closed
   */
  public Detected detect(Image image) {
    return whileOpen(
        () -> {
          if (defaults.aligned()) {
            return new Detected(List.of());
          }
          if (!defaults.superResolution()) {
            return new Detected(detect(image.bgr()));
          }
          try (Mat resized = upscaler.resizeToOutput(image.bgr())) {
            return new Detected(detect(resized));
          }
        });
  }

  /**
   * The faces found in a photo ahead of its restoration ({@link #detect(Image)}), in the pixels of
   * the photo they were found on: the photo, or its resized copy with super-resolution. Only the
   * face list is kept, not the resized copy, so that a photo read ahead holds no more memory than
   * its decoded self.
   *
   * @param faces as the detector gave them (some may be left out for a degenerate alignment)
   */
  public record Detected(List<DetectedFace> faces) {
    public Detected {
      faces = List.copyOf(faces);
    }
  }

  /**
   * Restores one photo (or aligned face) as {@link #restore(Image, String, String)} restores it
   * with these choices, its faces restored by {@code faces} (which may hand them to {@link
   * #restorer()} with other photos' faces), and gives the restored photo alone, encoded as {@code
   * format} (named {@code photo_GPEN} and the format's extension): in PNG the bytes of {@code
   * <name>_GPEN.png}. Several threads may call it at once.
   *
   * @param image the decoded photo; not closed
   * @param faces the restorer of this photo's aligned faces, at the model's size; not closed
   * @throws BadParameter naming {@code superResolution} when asked for and the pipeline has no
   *     super-resolution network, or {@code aligned} when a photo is given to a pipeline of aligned
   *     faces (it has no detector)
   * @throws GpenException when a network refuses the photo
   * @throws IllegalStateException once closed
   */
  public Restored restore(Image image, Choices choices, FaceRestorer faces, Format format) {
    if (choices.superResolution() && upscaler == null) {
      throw BadParameter.of(
          "superResolution", "needs a super-resolution network, and the pipeline has none");
    }
    if (!choices.aligned() && detector == null) {
      throw BadParameter.of(
          "aligned", "must be true: the pipeline was opened for aligned faces (no detector)");
    }
    return whileOpen(
        () -> {
          try (FaceEnhancer own = new FaceEnhancer(faces, choices.alpha(), parser)) {
            return restore(
                image, choices, own, new Outputs("photo", "photo", Set.of(), false, format), null);
          }
        });
  }

  /**
   * The face list of a photo, as {@link #restore(Image, String, String)} encodes it in {@code
   * <name>.faces.json} (with its trailing newline), from detection alone: the detected faces whose
   * landmarks determine an alignment, which are the faces it pastes.
   *
   * @param source the input's file name, which the list records
   * @throws IllegalStateException once closed, or on a pipeline of aligned faces (no detector)
   */
  public byte[] faceList(Image image, String source) {
    if (detector == null) {
      throw new IllegalStateException("a pipeline of aligned faces has no detector");
    }
    return whileOpen(
        () -> {
          List<DetectedFace> pasted = new ArrayList<>();
          for (DetectedFace d : detect(image.bgr())) {
            try {
              FaceAlignment.transform(d, restorer.size());
              pasted.add(d);
            } catch (IllegalArgumentException degenerate) {
              // the paste-back leaves it out, and so does the list
            }
          }
          return facesJson(source, image.width(), image.height(), pasted);
        });
  }

  private interface Work<T> {
    T run();
  }

  private <T> T whileOpen(Work<T> work) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the photo pipeline is closed");
      }
      return work.run();
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** The detector is not thread-safe: one detection at a time. */
  private List<DetectedFace> detect(Mat bgr) {
    synchronized (detector) {
      return detector.detect(bgr);
    }
  }

  /**
   * What to encode of a photo: the stem of the names, the source the face list records, the extra
   * files, whether the face list, and the restored photo's format.
   */
  private record Outputs(
      String name, String source, Set<Extra> extras, boolean faceList, Format format) {}

  /**
   * @param found the photo's faces found beforehand, or null to detect them here
   */
  private Restored restore(
      Image image, Choices choices, FaceEnhancer enhancer, Outputs outputs, Detected found) {
    List<OutputFile> files = new ArrayList<>();
    try {
      int faces =
          choices.aligned()
              ? restoreAligned(image, choices, enhancer, outputs, files)
              : restorePhoto(image, choices, enhancer, outputs, files, found);
      return new Restored(faces, files);
    } catch (RuntimeException | Error e) {
      files.forEach(OutputFile::close);
      throw e;
    }
  }

  /**
   * Detects, restores and encodes one photo; returns its number of faces. With super-resolution the
   * faces come from the photo resized to the super-resolved size and go onto the super-resolved
   * photo.
   */
  private int restorePhoto(
      Image image,
      Choices choices,
      FaceEnhancer enhancer,
      Outputs outputs,
      List<OutputFile> files,
      Detected found) {
    Mat background = null;
    Mat photo = null;
    Mat alpha = null;
    boolean sr = choices.superResolution();
    String name = outputs.name();
    try {
      if (!sr) {
        photo = image.bgr();
        background = photo;
        alpha = image.alpha().orElse(null);
      } else {
        background = upscaler.process(image.bgr(), tileSize);
        photo = upscaler.resizeToOutput(image.bgr());
        alpha = image.alpha().map(upscaler::resizeToOutput).orElse(null);
      }
      List<DetectedFace> detected = found != null ? found.faces() : detect(photo);
      try (FaceEnhancer.Result result = enhancer.enhance(photo, background, detected)) {
        if (outputs.extras().contains(Extra.COMPARISON)) {
          files.add(comparison(name, photo, result.image()));
        }
        if (outputs.extras().contains(Extra.FACES)) {
          for (int k = 0; k < result.faces().size(); k++) {
            FaceEnhancer.Face f = result.faces().get(k);
            String face = String.format(Locale.ROOT, "%s_face%02d", name, k);
            files.add(new OutputFile(face + ".png", Images.encode(f.aligned(), ".png")));
            files.add(
                new OutputFile(
                    face + PhotoRestoration.SUFFIX + ".png", Images.encode(f.restored(), ".png")));
          }
        }
        if (outputs.faceList()) {
          List<DetectedFace> pasted =
              result.faces().stream().map(FaceEnhancer.Face::detection).toList();
          byte[] list = facesJson(outputs.source(), photo.cols(), photo.rows(), pasted);
          files.add(new OutputFile(name + PhotoRestoration.FACES_JSON, new BytePointer(list)));
        }
        files.add(
            restoredPhoto(
                name, result.image(), alpha, image.sourceChannels() == 1, outputs.format()));
        return result.faces().size();
      }
    } finally {
      if (sr) {
        close(background, photo, alpha);
      }
    }
  }

  /**
   * Restores one aligned face image whole and, with super-resolution, super-resolves the restored
   * face; returns 1.
   */
  private int restoreAligned(
      Image image,
      Choices choices,
      FaceEnhancer enhancer,
      Outputs outputs,
      List<OutputFile> files) {
    Mat restored = null;
    Mat alpha = null;
    try {
      restored = enhancer.enhanceAligned(image.bgr());
      if (choices.superResolution()) {
        Mat small = restored;
        restored = upscaler.process(small, tileSize);
        small.close();
      }
      int side = restored.cols();
      alpha = image.alpha().map(a -> Images.resize(a, side, side, INTER_LINEAR)).orElse(null);
      if (outputs.extras().contains(Extra.COMPARISON)) {
        try (Mat resized = Images.resize(image.bgr(), side, side, INTER_LINEAR)) {
          files.add(comparison(outputs.name(), resized, restored));
        }
      }
      files.add(
          restoredPhoto(
              outputs.name(), restored, alpha, image.sourceChannels() == 1, outputs.format()));
      return 1;
    } finally {
      close(restored, alpha);
    }
  }

  private static void close(Mat... mats) {
    for (Mat m : mats) {
      if (m != null) {
        m.close();
      }
    }
  }

  /**
   * {@code <name>_GPEN.png} (or {@code .jpg}): BGR with an alpha plane (may be null; a JPEG has
   * none), or as grey.
   */
  private static OutputFile restoredPhoto(
      String name, Mat bgr, Mat alpha, boolean gray, Format format) {
    String file = name + PhotoRestoration.SUFFIX + format.extension();
    if (alpha != null && format == Format.PNG) {
      try (Image out = new Image(bgr.clone(), alpha.clone())) {
        return new OutputFile(file, Images.encode(out, ".png"));
      }
    }
    if (gray) {
      try (Mat grey = new Mat()) {
        opencv_imgproc.cvtColor(bgr, grey, COLOR_BGR2GRAY);
        return new OutputFile(file, encode(grey, format));
      }
    }
    return new OutputFile(file, encode(bgr, format));
  }

  private static BytePointer encode(Mat image, Format format) {
    return format == Format.JPEG
        ? Images.encode(image, format.extension(), JPEG_QUALITY)
        : Images.encode(image, format.extension());
  }

  /** {@code <name>_COMP.jpg}: the two images side by side. */
  private static OutputFile comparison(String name, Mat left, Mat right) {
    try (MatVector both = new MatVector(left, right);
        Mat side = new Mat()) {
      opencv_core.hconcat(both, side);
      return new OutputFile(name + "_COMP.jpg", Images.encode(side, ".jpg", JPEG_QUALITY));
    }
  }

  /** The face list; width and height are those of the image the boxes and landmarks are in. */
  private static byte[] facesJson(String source, int width, int height, List<DetectedFace> faces) {
    List<Object> list = new ArrayList<>();
    for (DetectedFace d : faces) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("box", List.of(round(d.x1()), round(d.y1()), round(d.x2()), round(d.y2())));
      entry.put("score", Math.round(d.score() * 1e4) / 1e4);
      List<Object> points = new ArrayList<>();
      for (int k = 0; k < DetectedFace.POINTS; k++) {
        points.add(List.of(round(d.landmarkX(k)), round(d.landmarkY(k))));
      }
      entry.put("landmarks", points);
      list.add(entry);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("image", source);
    root.put("width", width);
    root.put("height", height);
    root.put(
        "landmark_order",
        List.of(
            "eye, picture left",
            "eye, picture right",
            "nose tip",
            "mouth corner, picture left",
            "mouth corner, picture right"));
    root.put("faces", list);
    try {
      return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("face list not serialisable", e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Frees the networks it opened; waits for the photos in progress. */
  @Override
  public synchronized void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      enhancer.close();
      if (!ownsNetworks) {
        return;
      }
      if (detector != null) {
        detector.close();
      }
      restorer.close();
      if (upscaler != null) {
        upscaler.close();
      }
      if (parser != null) {
        parser.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
