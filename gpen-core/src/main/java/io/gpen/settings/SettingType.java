package io.gpen.settings;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The type of a setting's value: the Java class it has, how a raw value becomes one, and how a
 * value is written for people (the defaults in a command line's help).
 *
 * <p>Raw values come from YAML (numbers, text, lists) or from a caller, who may give them typed
 * already (an {@code Integer}, a {@code Path}) or as text.
 *
 * @param <T> the Java type of the values
 */
public final class SettingType<T> {
  /** A whole number that fits an {@code int}. */
  public static final SettingType<Integer> INTEGER =
      new SettingType<>(
          Integer.class,
          raw -> {
            long whole = whole(raw);
            if (whole < Integer.MIN_VALUE || whole > Integer.MAX_VALUE) {
              throw new IllegalArgumentException("must be a whole number below 2^31");
            }
            return (int) whole;
          },
          String::valueOf);

  /** A whole number that fits a {@code long}. */
  public static final SettingType<Long> WHOLE =
      new SettingType<>(Long.class, SettingType::whole, String::valueOf);

  /** A number; integral values are written without a fraction ({@code 10}, {@code 0.002}). */
  public static final SettingType<Double> NUMBER =
      new SettingType<>(
          Double.class,
          raw -> {
            if (raw instanceof Number n) {
              return n.doubleValue();
            }
            if (raw instanceof String s) {
              try {
                return Double.parseDouble(s.strip());
              } catch (NumberFormatException e) {
                // the message below
              }
            }
            throw new IllegalArgumentException("must be a number");
          },
          SettingType::number);

  /** Text; a number is taken as its text. */
  public static final SettingType<String> TEXT =
      new SettingType<>(
          String.class,
          raw -> {
            if (raw instanceof String || raw instanceof Number) {
              return raw.toString();
            }
            throw new IllegalArgumentException("must be text");
          },
          Function.identity());

  /** A file or folder; relative names are relative to the working directory. */
  public static final SettingType<Path> PATH =
      new SettingType<>(
          Path.class,
          raw -> {
            if (raw instanceof Path p) {
              return p;
            }
            if (raw instanceof String s && !s.isBlank()) {
              try {
                return Path.of(s);
              } catch (InvalidPathException e) {
                // the message below
              }
            }
            throw new IllegalArgumentException("must be a file or folder name");
          },
          Path::toString);

  private final Class<T> javaType;
  private final Function<Object, T> parser;
  private final Function<T, String> writer;

  /**
   * A type.
   *
   * @param javaType the class of the values
   * @param parser a value from a raw one; throws {@link IllegalArgumentException} whose message is
   *     the problem ({@code must be a number}) when the raw value is not one
   * @param writer the value as people write it
   */
  public SettingType(Class<T> javaType, Function<Object, T> parser, Function<T, String> writer) {
    this.javaType = javaType;
    this.parser = parser;
    this.writer = writer;
  }

  /** The class of the values. */
  public Class<T> javaType() {
    return javaType;
  }

  /**
   * The value a raw value stands for.
   *
   * @param raw not null
   * @throws IllegalArgumentException with the problem as its message, e.g. {@code must be a whole
   *     number}
   */
  public T parse(Object raw) {
    return parser.apply(raw);
  }

  /** The value as people write it. */
  public String write(T value) {
    return writer.apply(value);
  }

  /** {@code 10} for 10.0, {@code 0.5} for 0.5. */
  static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private static long whole(Object raw) {
    if (raw instanceof Integer || raw instanceof Long) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof String s) {
      try {
        return Long.parseLong(s.strip());
      } catch (NumberFormatException e) {
        // the message below
      }
    }
    throw new IllegalArgumentException("must be a whole number");
  }
}
