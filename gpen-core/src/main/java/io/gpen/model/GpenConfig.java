package io.gpen.model;

import io.gpen.GpenException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of a GPEN generator, as the reference {@code FullGenerator} and {@code
 * FullGenerator_SR} take it.
 *
 * <p>The encoder sees {@code size}×{@code size} faces and the decoder draws {@code outSize}×{@code
 * outSize} ones. For {@code FullGenerator} (every released model) the two are equal; {@code
 * FullGenerator_SR(in_size, out_size, ...)} has {@code outSize > size}, and its decoder layers
 * finer than the encoder draw random noise (see {@link FullGenerator}).
 *
 * @param size input resolution, the encoder's (the official {@code size} or {@code in_size}), a
 *     power of two from 4 to {@code outSize}
 * @param styleDim width of the latent code (512 in every released model)
 * @param nMlp layers of the mapping network (8)
 * @param channelMultiplier widens the layers at 64 px and above (GPEN-BFR-512: 2, GPEN-BFR-256: 1)
 * @param narrow scales every layer's width (GPEN-BFR-512: 1, GPEN-BFR-256: 0.5)
 * @param isConcat encoder features are concatenated to the decoder features (true in GPEN) rather
 *     than added
 * @param outSize output resolution, the decoder's (the official {@code out_size}), a power of two
 *     from 64 to 2048
 */
public record GpenConfig(
    int size,
    int styleDim,
    int nMlp,
    int channelMultiplier,
    double narrow,
    boolean isConcat,
    int outSize) {

  public static final int MIN_SIZE = 64;
  public static final int MAX_SIZE = 2048;

  /** The smallest encoder input: a 4×4 face is the encoder's last feature already. */
  public static final int MIN_IN_SIZE = 4;

  public GpenConfig {
    if (outSize < MIN_SIZE || outSize > MAX_SIZE || Integer.bitCount(outSize) != 1) {
      throw new GpenException(
          (size == outSize ? "size" : "out_size")
              + " must be a power of two from "
              + MIN_SIZE
              + " to "
              + MAX_SIZE
              + ", got "
              + outSize);
    }
    if (size < MIN_IN_SIZE || size > outSize || Integer.bitCount(size) != 1) {
      // the reference's noise list has no entry for an encoder finer than the decoder
      throw new GpenException(
          "size (the encoder's input) must be a power of two from "
              + MIN_IN_SIZE
              + " to out_size "
              + outSize
              + ", got "
              + size);
    }
    if (styleDim <= 0 || nMlp <= 0) {
      throw new GpenException(
          "style_dim and n_mlp must be positive, got " + styleDim + " and " + nMlp);
    }
    if (channelMultiplier <= 0) {
      throw new GpenException("channel multiplier must be positive, got " + channelMultiplier);
    }
    // the finest layer is the narrowest
    if (!(narrow > 0) || Channels.at(outSize, channelMultiplier, narrow) < 1) {
      throw new GpenException(
          "narrow "
              + narrow
              + " leaves no channels at "
              + outSize
              + " px with channel multiplier "
              + channelMultiplier);
    }
  }

  /** A {@code FullGenerator}: input and output of {@code size}. */
  public GpenConfig(
      int size, int styleDim, int nMlp, int channelMultiplier, double narrow, boolean isConcat) {
    this(size, styleDim, nMlp, channelMultiplier, narrow, isConcat, size);
  }

  /**
   * The usual GPEN settings (style 512, 8 mapping layers, concatenation) for a size, mul and
   * narrow.
   */
  public static GpenConfig of(int size, int channelMultiplier, double narrow) {
    return new GpenConfig(size, 512, 8, channelMultiplier, narrow, true);
  }

  /**
   * The usual GPEN settings of a {@code FullGenerator_SR(in_size, out_size, 512, 8,
   * channel_multiplier, narrow=narrow)}: the encoder at {@code inSize}, the decoder at {@code
   * outSize}.
   */
  public static GpenConfig of(int inSize, int outSize, int channelMultiplier, double narrow) {
    return new GpenConfig(inSize, 512, 8, channelMultiplier, narrow, true, outSize);
  }

  /** Whether the output is larger than the input ({@code FullGenerator_SR}). */
  public boolean isSuperResolution() {
    return outSize != size;
  }

  /** log2 of the input size: the encoder has {@code logSize() − 1} stages. */
  public int logSize() {
    return Channels.log2(size);
  }

  /** log2 of the output size: the decoder has {@code logOutSize() − 2} resolutions above 4×4. */
  public int logOutSize() {
    return Channels.log2(outSize);
  }

  /** Channels at resolution {@code res}. */
  public int channels(int res) {
    return Channels.at(res, channelMultiplier, narrow);
  }

  /** Number of W+ latents the decoder consumes: 2·log2(outSize) − 2. */
  public int nLatent() {
    return 2 * logOutSize() - 2;
  }

  /**
   * The architecture as string metadata, as the project's files store it (safetensors headers, ONNX
   * model metadata): {@code size}, {@code channel_multiplier}, {@code narrow}, {@code style_dim},
   * {@code n_mlp}, {@code isconcat}, and {@code out_size} where it differs from {@code size}.
   */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("size", Integer.toString(size));
    m.put("channel_multiplier", Integer.toString(channelMultiplier));
    m.put("narrow", Double.toString(narrow));
    m.put("style_dim", Integer.toString(styleDim));
    m.put("n_mlp", Integer.toString(nMlp));
    m.put("isconcat", Boolean.toString(isConcat));
    if (isSuperResolution()) {
      // absent for FullGenerator, so that its files stay as they were
      m.put("out_size", Integer.toString(outSize));
    }
    return m;
  }

  /**
   * The architecture {@link #toMetadata} wrote; {@code style_dim}, {@code n_mlp} and {@code
   * isconcat} default to GPEN's 512, 8 and true, {@code out_size} to {@code size}.
   *
   * @throws IllegalArgumentException when a key is missing or a value does not parse
   */
  public static GpenConfig fromMetadata(Map<String, String> m) {
    try {
      int size = Integer.parseInt(m.get("size"));
      String out = m.get("out_size");
      return new GpenConfig(
          size,
          Integer.parseInt(m.getOrDefault("style_dim", "512")),
          Integer.parseInt(m.getOrDefault("n_mlp", "8")),
          Integer.parseInt(m.get("channel_multiplier")),
          Double.parseDouble(m.get("narrow")),
          Boolean.parseBoolean(m.getOrDefault("isconcat", "true")),
          out == null ? size : Integer.parseInt(out));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("no GPEN architecture in metadata " + m, e);
    }
  }

  /**
   * Text as the command line spells it, e.g. {@code size=256 mul=1 narrow=0.5} or, for a {@code
   * FullGenerator_SR}, {@code size=512 out_size=1024 mul=2 narrow=1}.
   */
  public String describe() {
    String n = narrow == Math.rint(narrow) ? Long.toString((long) narrow) : Double.toString(narrow);
    return "size="
        + size
        + (isSuperResolution() ? " out_size=" + outSize : "")
        + " mul="
        + channelMultiplier
        + " narrow="
        + n
        + (isConcat ? "" : " isconcat=false")
        + (styleDim != 512 ? " style_dim=" + styleDim : "")
        + (nMlp != 8 ? " n_mlp=" + nMlp : "");
  }
}
