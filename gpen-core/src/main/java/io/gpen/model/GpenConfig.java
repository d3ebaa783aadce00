package io.gpen.model;

import io.gpen.GpenException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of a GPEN generator, as the reference {@code FullGenerator} takes it.
 *
 * @param size input and output resolution, a power of two from 64 to 2048
 * @param styleDim width of the latent code (512 in every released model)
 * @param nMlp layers of the mapping network (8)
 * @param channelMultiplier widens the layers at 64 px and above (GPEN-BFR-512: 2, GPEN-BFR-256: 1)
 * @param narrow scales every layer's width (GPEN-BFR-512: 1, GPEN-BFR-256: 0.5)
 * @param isConcat encoder features are concatenated to the decoder features (true in GPEN) rather
 *     than added
 */
public record GpenConfig(
    int size, int styleDim, int nMlp, int channelMultiplier, double narrow, boolean isConcat) {

  public static final int MIN_SIZE = 64;
  public static final int MAX_SIZE = 2048;

  public GpenConfig {
    if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
      throw new GpenException(
          "size must be a power of two from " + MIN_SIZE + " to " + MAX_SIZE + ", got " + size);
    }
    if (styleDim <= 0 || nMlp <= 0) {
      throw new GpenException("style_dim and n_mlp must be positive, got " + styleDim + " and " + nMlp);
    }
    if (channelMultiplier <= 0) {
      throw new GpenException("channel multiplier must be positive, got " + channelMultiplier);
    }
    if (!(narrow > 0) || Channels.at(size, channelMultiplier, narrow) < 1) {
      throw new GpenException(
          "narrow " + narrow + " leaves no channels at " + size + " px with channel multiplier "
              + channelMultiplier);
    }
  }

  /** The usual GPEN settings (style 512, 8 mapping layers, concatenation) for a size, mul and narrow. */
  public static GpenConfig of(int size, int channelMultiplier, double narrow) {
    return new GpenConfig(size, 512, 8, channelMultiplier, narrow, true);
  }

  public int logSize() {
    return Channels.log2(size);
  }

  /** Channels at resolution {@code res}. */
  public int channels(int res) {
    return Channels.at(res, channelMultiplier, narrow);
  }

  /** Number of W+ latents the decoder consumes: 2·log2(size) − 2. */
  public int nLatent() {
    return 2 * logSize() - 2;
  }

  /**
   * The architecture as string metadata, as the project's files store it (safetensors headers,
   * ONNX model metadata): {@code size}, {@code channel_multiplier}, {@code narrow},
   * {@code style_dim}, {@code n_mlp}, {@code isconcat}.
   */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("size", Integer.toString(size));
    m.put("channel_multiplier", Integer.toString(channelMultiplier));
    m.put("narrow", Double.toString(narrow));
    m.put("style_dim", Integer.toString(styleDim));
    m.put("n_mlp", Integer.toString(nMlp));
    m.put("isconcat", Boolean.toString(isConcat));
    return m;
  }

  /**
   * The architecture {@link #toMetadata} wrote; {@code style_dim}, {@code n_mlp} and
   * {@code isconcat} default to GPEN's 512, 8 and true.
   *
   * @throws IllegalArgumentException when a key is missing or a value does not parse
   */
  public static GpenConfig fromMetadata(Map<String, String> m) {
    try {
      return new GpenConfig(
          Integer.parseInt(m.get("size")),
          Integer.parseInt(m.getOrDefault("style_dim", "512")),
          Integer.parseInt(m.getOrDefault("n_mlp", "8")),
          Integer.parseInt(m.get("channel_multiplier")),
          Double.parseDouble(m.get("narrow")),
          Boolean.parseBoolean(m.getOrDefault("isconcat", "true")));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("no GPEN architecture in metadata " + m, e);
    }
  }

  /** Text as the command line spells it, e.g. {@code size=256 mul=1 narrow=0.5}. */
  public String describe() {
    String n = narrow == Math.rint(narrow) ? Long.toString((long) narrow) : Double.toString(narrow);
    return "size=" + size + " mul=" + channelMultiplier + " narrow=" + n
        + (isConcat ? "" : " isconcat=false")
        + (styleDim != 512 ? " style_dim=" + styleDim : "")
        + (nMlp != 8 ? " n_mlp=" + nMlp : "");
  }
}
