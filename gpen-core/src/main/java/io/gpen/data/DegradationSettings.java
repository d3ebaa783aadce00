package io.gpen.data;

import io.gpen.data.DegradationConfig.Range;
import io.gpen.settings.Rule;
import io.gpen.settings.Schema;
import io.gpen.settings.Setting;
import io.gpen.settings.SettingType;
import java.util.List;

/**
 * The schema of {@link DegradationConfig}: the {@code degradation} section of a training file, with
 * the values of the official training code ({@code GFPGAN_degradation}) as defaults. Ranges are
 * written {@code [min, max]}, or as one number for a fixed value.
 */
public final class DegradationSettings {
  private DegradationSettings() {}

  /** The key of the section in a training file. */
  public static final String SECTION = "degradation";

  /** A {@link Range}: {@code [min, max]}, or one number for both. */
  public static final SettingType<Range> RANGE =
      new SettingType<>(
          Range.class,
          raw -> {
            if (raw instanceof Range r) {
              return r;
            }
            if (raw instanceof List<?> l
                && l.size() == 2
                && l.get(0) instanceof Number a
                && l.get(1) instanceof Number b) {
              return new Range(a.doubleValue(), b.doubleValue());
            }
            if (raw instanceof Number n) {
              return new Range(n.doubleValue(), n.doubleValue());
            }
            throw new IllegalArgumentException("must be [min, max] or one number");
          },
          r ->
              "["
                  + SettingType.NUMBER.write(r.min())
                  + ", "
                  + SettingType.NUMBER.write(r.max())
                  + "]");

  public static final Setting<Double> FLIP_PROB =
      probability("flip_prob", 0.5, "Horizontal flip of the pair.");

  public static final Setting<Double> GRAY_PROB =
      probability("gray_prob", 0.2, "Grey ground truth.");

  public static final Setting<Integer> KERNEL_SIZE =
      Setting.of("kernel_size", SettingType.INTEGER, 41)
          .in(SECTION)
          .rule(Rule.<Integer>of(k -> k >= 1 && k <= 201 && k % 2 == 1, "must be odd, 1 to 201"))
          .help("K", "Blur kernel side.");

  public static final Setting<Double> ISO_PROB =
      probability("iso_prob", 0.5, "Isotropic kernels; the rest are anisotropic and rotated.");

  public static final Setting<Range> SIGMA =
      range(
          "sigma",
          new Range(0.1, 10),
          Rule.of(r -> r.min() > 0, "must be above 0"),
          "Blur standard deviations, pixels.");

  public static final Setting<Range> DOWNSAMPLE =
      range(
          "downsample",
          new Range(0.8, 8),
          Rule.of(r -> r.min() > 0, "must be above 0"),
          "Downsampling factor (below 1 enlarges).");

  public static final Setting<Range> NOISE =
      range(
          "noise",
          new Range(0, 20),
          Rule.of(r -> r.min() >= 0, "must not be negative"),
          "Gaussian noise standard deviation on the 0-255 scale.");

  public static final Setting<Range> JPEG_QUALITY =
      range(
          "jpeg_quality",
          new Range(60, 100),
          Rule.of(r -> r.min() >= 0 && r.max() <= 100, "must lie within [0, 100]"),
          "JPEG quality.");

  /** The section's settings, in the order of {@link DegradationConfig}'s components. */
  public static final Schema SCHEMA =
      Schema.of(
          FLIP_PROB, GRAY_PROB, KERNEL_SIZE, ISO_PROB, SIGMA, DOWNSAMPLE, NOISE, JPEG_QUALITY);

  private static Setting<Double> probability(String name, double value, String help) {
    return Setting.of(name, SettingType.NUMBER, value)
        .in(SECTION)
        .rule(Rule.between(0, 1))
        .help("P", help);
  }

  private static Setting<Range> range(String name, Range value, Rule<Range> bound, String help) {
    return Setting.of(name, RANGE, value)
        .in(SECTION)
        .rule(
            Rule.<Range>of(
                r -> Double.isFinite(r.min()) && Double.isFinite(r.max()) && r.min() <= r.max(),
                "must be two finite numbers, min <= max"))
        .rule(bound)
        .help("[MIN, MAX]", help);
  }
}
