package io.gpen.model;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Module;
import io.gpen.nn.Tensors;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Loads and saves GPEN generators and discriminators: any checkpoint format {@link Checkpoints}
 * reads, strict name-and-shape matching, and the architecture inferred from the tensor shapes where
 * it is not given.
 *
 * <p>The project's own files are safetensors whose metadata holds the architecture ({@code
 * format=gpen-generator} or {@code gpen-discriminator}, {@code size}, {@code channel_multiplier},
 * {@code narrow}, ...).
 */
public final class ModelFiles {
  public static final String GENERATOR_FORMAT = "gpen-generator";
  public static final String DISCRIMINATOR_FORMAT = "gpen-discriminator";

  private static final Pattern PADDLE_NOISE = Pattern.compile("generator\\.noises\\.noise_\\d+");

  private ModelFiles() {}

  /**
   * A generator read from a file.
   *
   * @param note what was read and inferred, for the user, e.g. "GPEN-BFR-256.pth: PyTorch
   *     checkpoint (zip format); inferred size=256 mul=1 narrow=0.5 from the tensor shapes"
   */
  public record LoadedGenerator(FullGenerator model, String note) {}

  /**
   * Architecture settings a user may give, null fields being inferred from the checkpoint, and
   * whether weights holding NaN or infinity may be loaded (refused by default).
   *
   * @param size the input side, the encoder's (the command line's {@code --size}, the official
   *     demo's {@code --in_size})
   * @param outSize the output side, the decoder's ({@code --out_size}); when null, the checkpoint's
   *     output side, or {@code size} itself where the checkpoint's model has equal sides (a {@code
   *     FullGenerator}, as the official {@code FaceGAN} defaults {@code out_size} to {@code
   *     in_size})
   */
  public record Overrides(
      Integer size,
      Integer channelMultiplier,
      Double narrow,
      Integer outSize,
      boolean allowNonFinite)
      implements Serializable {
    public static final Overrides NONE = new Overrides(null, null, null, null);

    /** Settings of a model whose output side is left to the checkpoint (or equals {@code size}). */
    public Overrides(Integer size, Integer channelMultiplier, Double narrow) {
      this(size, channelMultiplier, narrow, null);
    }

    /** Architecture settings; non-finite weights refused. */
    public Overrides(Integer size, Integer channelMultiplier, Double narrow, Integer outSize) {
      this(size, channelMultiplier, narrow, outSize, false);
    }

    /** These settings, with non-finite weights allowed or refused. */
    public Overrides allowingNonFinite(boolean allow) {
      return new Overrides(size, channelMultiplier, narrow, outSize, allow);
    }

    /** Whether no architecture setting is given. */
    public boolean isEmpty() {
      return size == null && channelMultiplier == null && narrow == null && outSize == null;
    }

    GpenConfig applyTo(GpenConfig c) {
      int in = size != null ? size : c.size();
      int out = outSize != null ? outSize : c.isSuperResolution() ? c.outSize() : in;
      return new GpenConfig(
          in,
          c.styleDim(),
          c.nMlp(),
          channelMultiplier != null ? channelMultiplier : c.channelMultiplier(),
          narrow != null ? narrow : c.narrow(),
          c.isConcat(),
          out);
    }

    String describe() {
      StringBuilder sb = new StringBuilder();
      if (size != null) {
        sb.append(" size=").append(size);
      }
      if (outSize != null) {
        sb.append(" out_size=").append(outSize);
      }
      if (channelMultiplier != null) {
        sb.append(" mul=").append(channelMultiplier);
      }
      if (narrow != null) {
        sb.append(" narrow=").append(narrow);
      }
      return sb.toString().trim();
    }
  }

  /**
   * Reads a generator strictly.
   *
   * @param key entry of a training checkpoint, or null for {@code g_ema} when present
   * @param given architecture settings and whether non-finite weights may load; where they do, the
   *     note says how many tensors hold them
   * @throws GpenException naming the file when it is unreadable, is not a GPEN generator, does not
   *     fit the given settings (listing missing, unexpected and mis-shaped tensors), or holds NaN
   *     or infinity that {@code given} does not allow (listing the tensors and counts)
   */
  public static LoadedGenerator loadGenerator(Path file, String key, Overrides given) {
    StateDict sd = Checkpoints.read(file, key);
    boolean paddle = Checkpoints.detect(file) == Checkpoints.Format.PICKLE;
    return loadGenerator(paddle ? withoutPaddleNoise(sd) : sd, paddle, given);
  }

  /**
   * As {@link #loadGenerator(Path, String, Overrides)} on a state dict already read from a PyTorch
   * or safetensors file (e.g. one entry of a training checkpoint).
   */
  public static LoadedGenerator loadGenerator(StateDict sd, Overrides given) {
    return loadGenerator(sd, false, given);
  }

  private static LoadedGenerator loadGenerator(StateDict sd, boolean paddle, Overrides given) {
    GpenConfig config;
    String how;
    GpenConfig fromFile = configFromMetadata(sd);
    if (fromFile != null) {
      config = given.applyTo(fromFile);
      how = "settings from the file's metadata";
    } else {
      try {
        config = given.applyTo(inferConfig(sd));
        how =
            given.isEmpty()
                ? "inferred from the tensor shapes"
                : "given " + given.describe() + ", the rest inferred";
      } catch (GpenException e) {
        if (given.size() == null || given.channelMultiplier() == null || given.narrow() == null) {
          throw e;
        }
        // let the strict load below say precisely what does not fit
        int out = given.outSize() != null ? given.outSize() : given.size();
        config = GpenConfig.of(given.size(), out, given.channelMultiplier(), given.narrow());
        how = "given";
      }
    }
    FullGenerator model = new FullGenerator(config);
    Optional<String> nonFinite;
    try {
      // Paddle files leave out the constant blur kernels; the values built in are the same
      nonFinite =
          model.loadStateDict(
              sd,
              "GPEN " + config.describe(),
              paddle ? kernelNames(model) : Set.of(),
              given.allowNonFinite());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    String note =
        sd.source().getFileName()
            + ": "
            + sd.description()
            + "; GPEN "
            + config.describe()
            + " ("
            + how
            + ")"
            + nonFinite.map(n -> "; " + n + " (allowed)").orElse("");
    return new LoadedGenerator(model, note);
  }

  /**
   * The architecture of a GPEN generator state dict, from its tensor shapes: the input size from
   * the number of encoder stages, the output size from the number of decoder resolutions (larger
   * for a {@code FullGenerator_SR}), narrow from the 4×4 width, channel multiplier from the
   * decoder's finest width, style width and mapping depth from the mapping network, concatenation
   * from the first ToRGB's width.
   */
  public static GpenConfig inferConfig(StateDict sd) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    sd.tensors().forEach((k, v) -> shapes.put(k, v.shape()));
    return inferConfig(shapes, sd.source() + ": " + sd.description());
  }

  /**
   * As {@link #inferConfig(StateDict)}, from tensor names and shapes alone.
   *
   * @param what names the checkpoint in messages
   */
  public static GpenConfig inferConfig(Map<String, long[]> shapes, String what) {
    long[] constant = shapes.get("generator.input.input");
    long[] ecd0 = shapes.get("ecd0.0.0.weight");
    long[] fin = shapes.get("final_linear.0.weight");
    long[] rgb1 = shapes.get("generator.to_rgb1.conv.weight");
    if (constant == null
        || ecd0 == null
        || fin == null
        || rgb1 == null
        || constant.length != 4
        || rgb1.length != 5) {
      throw new GpenException(
          what
              + " is not a GPEN generator (it lacks generator.input.input, ecd0.0.0.weight,"
              + " final_linear.0.weight or generator.to_rgb1.conv.weight)");
    }
    int stages = 1;
    while (shapes.containsKey("ecd" + stages + ".0.1.weight")) {
      stages++;
    }
    int size = 1 << (stages + 1);
    // one ToRGB per decoder resolution above 4×4
    int resolutions = 0;
    while (shapes.containsKey("generator.to_rgbs." + resolutions + ".conv.weight")) {
      resolutions++;
    }
    int outSize = 1 << (resolutions + 2);
    long[] finest = shapes.get("generator.to_rgbs." + (resolutions - 1) + ".conv.weight");
    int c4 = (int) constant[1];
    double narrow = c4 / 512.0;
    try {
      boolean isConcat = rgb1[2] == 2L * c4;
      if (finest == null || finest.length != 5) {
        throw new IllegalArgumentException("no decoder resolution above 4x4");
      }
      // the finest ToRGB reads the finest features, doubled by concatenation; an input of 32 px
      // or less has no width that depends on the multiplier, the decoder's 64 px and up always do
      long finestWidth = finest[2] / (isConcat ? 2 : 1);
      double perMultiplier = Channels.at(outSize, 1, 1) * narrow;
      int mul = (int) Math.max(1, Math.round(finestWidth / perMultiplier));
      int styleDim = (int) fin[0];
      int nMlp = 0;
      while (shapes.containsKey("generator.style." + (nMlp + 1) + ".weight")) {
        nMlp++;
      }
      return new GpenConfig(size, styleDim, nMlp, mul, narrow, isConcat, outSize);
    } catch (RuntimeException e) {
      throw new GpenException(
          what
              + ": cannot infer the GPEN architecture from the tensor shapes ("
              + e.getMessage()
              + "); give --size, --mul and --narrow (and --out_size for an output larger than the input)");
    }
  }

  /** Writes a generator as safetensors with its architecture in the metadata. */
  public static void saveGenerator(FullGenerator g, Path file) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(Safetensors.FORMAT_KEY, GENERATOR_FORMAT);
    meta.putAll(g.config().toMetadata());
    Safetensors.write(file, tensorData(g), meta);
  }

  /** A copy of every parameter and buffer of a module as checkpoint data, by checkpoint name. */
  public static Map<String, TensorData> tensorData(Module m) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
        out.put(e.getKey(), Tensors.toData(e.getValue()));
      }
    }
    return out;
  }

  /**
   * Reads a discriminator strictly; size, channel multiplier and narrow default to the values
   * inferred from the shapes (G and D of one training run need not share them).
   */
  public static Discriminator loadDiscriminator(Path file, String key, Overrides given) {
    StateDict sd = Checkpoints.read(file, key);
    if (key == null && !sd.contains("convs.0.0.weight")) {
      // a training checkpoint: its default entry is the generator's average, the critic is 'd'
      sd = Checkpoints.read(file, "d");
    }
    return loadDiscriminator(sd, given);
  }

  /** As {@link #loadDiscriminator(Path, String, Overrides)} on a state dict already read. */
  public static Discriminator loadDiscriminator(StateDict sd, Overrides given) {
    TensorData first = sd.get("convs.0.0.weight");
    TensorData last = sd.get("final_linear.1.weight");
    if (first == null || last == null) {
      throw new GpenException(
          sd.source()
              + ": "
              + sd.description()
              + " is not a GPEN discriminator (it lacks convs.0.0.weight"
              + " or final_linear.1.weight)");
    }
    int blocks = 0;
    while (sd.contains("convs." + (blocks + 1) + ".conv1.0.weight")) {
      blocks++;
    }
    int size = given.size() != null ? given.size() : 1 << (blocks + 2);
    double narrow = given.narrow() != null ? given.narrow() : last.shape()[1] / 512.0;
    int mul =
        given.channelMultiplier() != null
            ? given.channelMultiplier()
            : (int) Math.max(1, Math.round(first.shape()[0] / (Channels.at(size, 1, 1) * narrow)));
    Discriminator d = new Discriminator(size, mul, narrow);
    try {
      d.loadStateDict(sd, "discriminator " + d.describe(), Set.of(), given.allowNonFinite());
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
    return d;
  }

  /** Writes a discriminator as safetensors with its architecture in the metadata. */
  public static void saveDiscriminator(Discriminator d, Path file) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(Safetensors.FORMAT_KEY, DISCRIMINATOR_FORMAT);
    meta.put("size", Integer.toString(d.size()));
    meta.put("channel_multiplier", Integer.toString(d.channelMultiplier()));
    meta.put("narrow", Double.toString(d.narrow()));
    Safetensors.write(file, tensorData(d), meta);
  }

  private static GpenConfig configFromMetadata(StateDict sd) {
    Map<String, String> m = sd.metadata();
    if (!GENERATOR_FORMAT.equals(m.get(Safetensors.FORMAT_KEY))) {
      return null;
    }
    try {
      return GpenConfig.fromMetadata(m);
    } catch (IllegalArgumentException e) {
      throw new GpenException(sd.source() + ": damaged generator metadata " + m);
    }
  }

  private static StateDict withoutPaddleNoise(StateDict sd) {
    Map<String, TensorData> kept = new LinkedHashMap<>();
    sd.tensors()
        .forEach(
            (k, v) -> {
              if (!PADDLE_NOISE.matcher(k).matches()) {
                kept.put(k, v);
              }
            });
    return new StateDict(sd.source(), sd.description(), kept, sd.metadata());
  }

  private static Set<String> kernelNames(Module m) {
    Set<String> names = new HashSet<>();
    for (String k : m.namedBuffers().keySet()) {
      if (k.endsWith("kernel")) {
        names.add(k);
      }
    }
    return names;
  }
}
