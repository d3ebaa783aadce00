package io.gpen.registry;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * One downloadable weights file: where it comes from, what it is for and how to check it.
 *
 * @param name registry name used on the command line (for example {@code GPEN-BFR-512})
 * @param kind what the network does
 * @param description one line on what the file is for
 * @param url where it is downloaded from
 * @param fileName the name of the file in the cache folder
 * @param size size in bytes where known (shown to the user, never used to reject a file)
 * @param sha256 lower-case hex SHA-256 where published: all 64 digits, or a shorter prefix where
 *     only a prefix is published (file names such as {@code alexnet-owt-7be5be79.pth}); empty when
 *     nothing is published, in which case no check is made
 * @param gpen the GPEN network settings this checkpoint needs, for generator checkpoints
 */
public record ModelInfo(
    String name,
    Kind kind,
    String description,
    URI url,
    String fileName,
    OptionalLong size,
    Optional<String> sha256,
    Optional<GpenConfig> gpen) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{8,64}");

  /** What a model is used for; {@link #label()} is what the user sees. */
  public enum Kind {
    GENERATOR("generator"),
    DISCRIMINATOR("discriminator"),
    FACE_DETECTOR("face-detector"),
    FACE_PARSER("face-parser"),
    SUPER_RESOLUTION("super-resolution"),
    IDENTITY("identity"),
    FID("fid"),
    LPIPS("lpips"),
    BACKBONE("backbone");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * The constructor arguments of a GPEN generator ({@code FullGenerator(size, 512, 8,
   * channel_multiplier, narrow)}).
   *
   * @param size face resolution in pixels (input and output)
   * @param channelMultiplier StyleGAN2 channel multiplier
   * @param narrow channel narrowing factor
   */
  public record GpenConfig(int size, int channelMultiplier, double narrow) {
    public GpenConfig {
      if (size < 4 || Integer.bitCount(size) != 1) {
        throw new IllegalArgumentException("GPEN size must be a power of two >= 4: " + size);
      }
      if (channelMultiplier < 1 || !(narrow > 0 && narrow <= 1)) {
        throw new IllegalArgumentException(
            "bad GPEN config: channel multiplier " + channelMultiplier + ", narrow " + narrow);
      }
    }
  }

  public ModelInfo {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(gpen, "gpen");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad model name: " + name);
    }
    if (fileName == null || !NAME.matcher(fileName).matches()) {
      throw new IllegalArgumentException("bad cache file name for " + name + ": " + fileName);
    }
    String scheme = url == null ? null : url.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme)) {
      throw new IllegalArgumentException("model " + name + " needs an http(s) URL: " + url);
    }
    if (sha256.isPresent() && !HEX.matcher(sha256.get()).matches()) {
      throw new IllegalArgumentException(
          "model " + name + ": sha256 must be 8 to 64 lower-case hex digits: " + sha256.get());
    }
  }

  /** Whether the published checksum is only the leading digits of the SHA-256. */
  public boolean checksumIsPrefix() {
    return sha256.isPresent() && sha256.get().length() < 64;
  }

  /**
   * Whether {@code actualHex} (a full SHA-256) agrees with the published checksum; true when
   * nothing is published.
   */
  public boolean checksumMatches(String actualHex) {
    return sha256.isEmpty() || actualHex.toLowerCase(Locale.ROOT).startsWith(sha256.get());
  }
}
