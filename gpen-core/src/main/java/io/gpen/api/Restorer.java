package io.gpen.api;

import io.gpen.BadParameter;
import io.gpen.model.FullGenerator;
import io.gpen.model.GeneratorInference;
import io.gpen.model.GpenConfig;
import io.gpen.model.ModelFiles;
import io.gpen.nn.CpuThreads;
import io.gpen.nn.Devices;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Restores aligned face images with a GPEN checkpoint on libtorch, in memory: the {@link
 * FaceRestorer} of checkpoints.
 *
 * <pre>{@code
 * try (Restorer r = Restorer.builder().weights("GPEN-BFR-512").build();
 *      Mat face = opencv_imgcodecs.imread("face.png");
 *      Mat restored = r.restore(face)) {
 *   opencv_imgcodecs.imwrite("restored.png", restored);
 * }
 * }</pre>
 *
 * <p>Pre- and post-processing are the reference's: bilinear resize to the model's input size, RGB
 * in [-1,1] (or [0,1] for a Seg2Face model, {@link Builder#pixelRange}), output clipped and
 * truncated to 8 bits. The output has the model's output size, which is larger than the input size
 * for a {@code FullGenerator_SR} ({@link #inputSize()}, {@link #size()}); such a model's decoder
 * layers finer than its input draw random noise, as the reference's do, so its results vary from
 * call to call unless libtorch's generator is seeded. Faces go through the model in batches; the
 * forward pass runs without gradient tracking on the inference fast path, in float32 or, where
 * asked for ({@link Builder#precision}), with bfloat16 convolutions.
 *
 * <p>One restorer may be shared by several threads: batches run one at a time (each forward pass
 * already uses every core), so concurrent calls wait for each other rather than compete for the
 * cores and the reused buffers. To restore faster, give several faces per call (see {@link
 * Builder#batchSize}). {@link #close()} waits for the batch in progress; a closed restorer refuses
 * further calls.
 */
public final class Restorer implements FaceRestorer {
  private final GpenConfig config;

  /** The reference forward pass, kept only when asked for (otherwise its weights are freed). */
  private final FullGenerator model;

  /** The fast path, or null when the reference forward pass was asked for. */
  private final GeneratorInference inference;

  private final Device device;
  private final int batchSize;
  private final PixelRange pixelRange;
  private final String description;
  private float[] batchBuffer = new float[0];
  private boolean closed;

  private Restorer(
      FullGenerator model,
      Device device,
      int batchSize,
      PixelRange pixelRange,
      boolean reference,
      Precision precision,
      String description) {
    this.config = model.config();
    this.device = device;
    this.batchSize = batchSize;
    this.pixelRange = pixelRange;
    this.description = description;
    if (!device.is_cpu()) {
      model.to(device);
    }
    if (reference) {
      this.model = model;
      this.inference = null;
    } else {
      // the fast path holds its own folded copy of every weight: the module's are no longer needed
      this.inference = new GeneratorInference(model, precision);
      this.model = null;
      model.close();
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The precision of the model's convolutions. */
  public Precision precision() {
    return inference != null ? inference.precision() : Precision.FP32;
  }

  /** The model's architecture. */
  public GpenConfig config() {
    return config;
  }

  @Override
  public Optional<GpenConfig> architecture() {
    return Optional.of(config);
  }

  /** The side length in pixels of the restored faces, the model's output. */
  @Override
  public int size() {
    return config.outSize();
  }

  /**
   * The side length in pixels the faces are resized to for the model, its input: {@link #size()}
   * except for a model whose output is larger ({@code FullGenerator_SR}).
   */
  @Override
  public int inputSize() {
    return config.size();
  }

  /** What was loaded and how its settings were found, for logs. */
  @Override
  public String description() {
    return description;
  }

  /** Restores faces in batches of the configured size; returns new images in the same order. */
  @Override
  public List<Mat> restore(List<Mat> faces) {
    List<Mat> out = new ArrayList<>(faces.size());
    for (int start = 0; start < faces.size(); start += batchSize) {
      out.addAll(restoreBatch(faces.subList(start, Math.min(faces.size(), start + batchSize))));
    }
    return out;
  }

  private synchronized List<Mat> restoreBatch(List<Mat> faces) {
    if (closed) {
      throw new IllegalStateException("the restorer is closed");
    }
    int s = inputSize();
    int o = size();
    int per = 3 * s * s;
    int perOut = 3 * o * o;
    int n = faces.size();
    // one buffer holds the input batch, then the output batch
    if (batchBuffer.length < n * Math.max(per, perOut)) {
      batchBuffer = new float[n * Math.max(per, perOut)];
    }
    for (int i = 0; i < n; i++) {
      pixelRange.toModelInput(faces.get(i), s, batchBuffer, i * per);
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor input = Tensors.fromFloats(batchBuffer, n, 3, s, s);
      if (!device.is_cpu()) {
        input = input.to(device, input.scalar_type());
      }
      Tensor output;
      if (inference != null) {
        output = inference.forward(input);
      } else {
        try (NoGradGuard noGrad = new NoGradGuard()) {
          output = model.forward(input).image();
        }
      }
      Tensors.copyTo(output, batchBuffer, 0);
    }
    List<Mat> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pixelRange.fromModelOutput(batchBuffer, i * perOut, o));
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (inference != null) {
      inference.close();
    }
    if (model != null) {
      model.close();
    }
  }

  /** Builds a {@link Restorer}; only the weights are required. */
  public static final class Builder {
    private String weights;
    private String key;
    private ModelFiles.Overrides overrides = ModelFiles.Overrides.NONE;
    private String device = "cpu";
    private int batchSize = 1;
    private int threads = 0;
    private PixelRange pixelRange = PixelRange.SIGNED;
    private boolean reference = false;
    private Precision precision = Precision.FP32;
    private ModelRegistry registry;

    private Builder() {}

    /**
     * A checkpoint path or a registry name such as {@code GPEN-BFR-512} (downloaded when absent).
     */
    public Builder weights(String pathOrName) {
      this.weights = pathOrName;
      return this;
    }

    public Builder weights(Path path) {
      return weights(path.toString());
    }

    /** Entry of a training checkpoint ({@code g_ema} by default when present). */
    public Builder key(String key) {
      this.key = key;
      return this;
    }

    /** Architecture settings; those left null are read from the checkpoint's tensor shapes. */
    public Builder architecture(Integer size, Integer channelMultiplier, Double narrow) {
      return architecture(size, channelMultiplier, narrow, null);
    }

    /**
     * Architecture settings with the output side, for a {@code FullGenerator_SR} checkpoint whose
     * shapes should be checked against given sides (see {@link ModelFiles.Overrides}); those left
     * null are read from the checkpoint's tensor shapes.
     *
     * @param size the input side ({@code --size})
     * @param outSize the output side ({@code --out_size}); null: the checkpoint's
     */
    public Builder architecture(
        Integer size, Integer channelMultiplier, Double narrow, Integer outSize) {
      this.overrides =
          new ModelFiles.Overrides(
              size, channelMultiplier, narrow, outSize, overrides.allowNonFinite());
      return this;
    }

    /**
     * Whether weights holding NaN or infinity load (default false: such a checkpoint is refused
     * with the names and counts of the tensors).
     */
    public Builder allowNonFinite(boolean allow) {
      this.overrides = overrides.allowingNonFinite(allow);
      return this;
    }

    /** {@code cpu} (default), {@code cuda} or {@code cuda:N}. */
    public Builder device(String device) {
      this.device = device;
      return this;
    }

    /** Faces per forward pass (default 1). */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw BadParameter.of("batchSize", "must be at least 1, got " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Threads for libtorch's CPU kernels; 0 (default) keeps libtorch's choice, one per core. */
    public Builder threads(int threads) {
      if (threads < 0) {
        throw BadParameter.of("threads", "must be 0 (every core) or more, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** The values the model takes and gives (default {@link PixelRange#SIGNED}, [-1, 1]). */
    public Builder pixelRange(PixelRange pixelRange) {
      this.pixelRange = Objects.requireNonNull(pixelRange, "pixelRange");
      return this;
    }

    /**
     * Runs the reference forward pass (layer by layer as the original PyTorch code) instead of the
     * inference fast path: slower, for checking results and measuring the speed-up.
     */
    public Builder referencePath(boolean reference) {
      this.reference = reference;
      return this;
    }

    /**
     * The number format of the convolutions (default {@link Precision#FP32}): {@link
     * Precision#BF16} runs them in bfloat16, several times faster on CPUs with AVX-512-BF16, with
     * the latent, styles, demodulation and ToRGB layers in float32 (see {@link
     * GeneratorInference}). The reference forward pass runs in float32 only.
     */
    public Builder precision(Precision precision) {
      this.precision = Objects.requireNonNull(precision, "precision");
      return this;
    }

    /** The registry that resolves model names (default: the built-in one and its cache). */
    public Builder registry(ModelRegistry registry) {
      this.registry = registry;
      return this;
    }

    public Restorer build() {
      if (weights == null) {
        throw new BadParameter(
            names ->
                "no "
                    + names.apply("weights")
                    + " given (a checkpoint file or a model name"
                    + " such as GPEN-BFR-512)");
      }
      Device dev = Devices.parse(device);
      checkPrecision();
      CpuThreads.configure(threads);
      ModelRegistry reg = registry != null ? registry : ModelRegistry.defaultRegistry();
      Path file = reg.resolve(weights);
      ModelFiles.LoadedGenerator loaded = ModelFiles.loadGenerator(file, key, overrides);
      return new Restorer(
          loaded.model(),
          dev,
          batchSize,
          pixelRange,
          reference,
          precision,
          loaded.note() + precisionNote());
    }

    /**
     * A restorer over a model the caller built (e.g. random weights for benchmarks); takes
     * ownership.
     */
    public Restorer build(FullGenerator model) {
      Device dev = Devices.parse(device);
      try {
        checkPrecision();
      } catch (BadParameter e) {
        model.close();
        throw e;
      }
      CpuThreads.configure(threads);
      return new Restorer(
          model,
          dev,
          batchSize,
          pixelRange,
          reference,
          precision,
          "GPEN " + model.config().describe() + " (in memory)" + precisionNote());
    }

    private void checkPrecision() {
      if (reference && precision != Precision.FP32) {
        throw new BadParameter(
            names ->
                names.apply("referencePath")
                    + " runs the reference forward pass in fp32;"
                    + " it does not combine with "
                    + names.apply("precision")
                    + " "
                    + precision.label());
      }
    }

    private String precisionNote() {
      return precision == Precision.FP32 ? "" : ", " + precision.label() + " convolutions";
    }
  }
}
