package io.gpen.settings;

import java.util.function.Predicate;

/**
 * The values a setting allows: a test, and the problem of a value that fails it, phrased to follow
 * the setting's key ({@code must be at least 1}).
 *
 * @param allows true for an allowed value (never null)
 * @param problem what is wrong with a value it refuses
 * @param <T> the type of the values
 */
public record Rule<T>(Predicate<? super T> allows, String problem) {
  /** A rule of its own. */
  public static <T> Rule<T> of(Predicate<? super T> allows, String problem) {
    return new Rule<>(allows, problem);
  }

  /** A finite number of at least {@code min}; at least 0 reads {@code must not be negative}. */
  public static Rule<Number> atLeast(double min) {
    return new Rule<>(
        n -> Double.isFinite(n.doubleValue()) && n.doubleValue() >= min,
        min == 0 ? "must not be negative" : "must be at least " + SettingType.number(min));
  }

  /** A finite number above {@code min}. */
  public static Rule<Number> above(double min) {
    return new Rule<>(
        n -> Double.isFinite(n.doubleValue()) && n.doubleValue() > min,
        "must be above " + SettingType.number(min));
  }

  /** A number from {@code min} to {@code max}, both included. */
  public static Rule<Number> between(double min, double max) {
    return new Rule<>(
        n -> n.doubleValue() >= min && n.doubleValue() <= max,
        "must be " + SettingType.number(min) + " to " + SettingType.number(max));
  }

  /** This rule with a remark on its problem: {@code must not be negative (0 turns R1 off)}. */
  public Rule<T> because(String remark) {
    return new Rule<>(allows, problem + " (" + remark + ")");
  }
}
