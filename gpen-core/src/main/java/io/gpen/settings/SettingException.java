package io.gpen.settings;

import io.gpen.GpenException;

/**
 * A setting whose value is missing, of the wrong type or not allowed. It carries the parts of the
 * error as data, so that a command line can name the setting its own way (by its option).
 *
 * <p>The message names the file when the value came from one: {@code run.yaml: mul must be at least
 * 1, got 0}; otherwise the key alone: {@code mul must be at least 1, got 0}. A setting of a section
 * is named as {@code degradation setting sigma}.
 */
public final class SettingException extends GpenException {
  private final String key;
  private final String problem;
  private final transient Object value;
  private final SettingSource source;

  /**
   * An error in a value of unknown origin, e.g. one passed to a record's constructor; see {@link
   * #from}.
   *
   * @param key the setting's key ({@code mul}, {@code degradation.sigma})
   * @param problem what is wrong, e.g. {@code must be at least 1}
   * @param value the value, or null when it is missing
   */
  public SettingException(String key, String problem, Object value) {
    this(key, problem, value, null, null);
  }

  /**
   * An error in a value whose origin is known.
   *
   * @param source where the value came from, or null when unknown (the default, or a caller that
   *     built the configuration directly)
   */
  public SettingException(String key, String problem, Object value, SettingSource source) {
    this(key, problem, value, source, null);
  }

  private SettingException(
      String key, String problem, Object value, SettingSource source, Throwable cause) {
    super(where(source) + subject(key) + " " + detail(problem, value), cause);
    this.key = key;
    this.problem = problem;
    this.value = value;
    this.source = source;
  }

  /** This error with the origin of its value; the error stays the cause. */
  public SettingException from(SettingSource origin) {
    return new SettingException(key, problem, value, origin, this);
  }

  /** The setting's key, with its section ({@code degradation.sigma}). */
  public String key() {
    return key;
  }

  /** What is wrong with the value, e.g. {@code must be at least 1}. */
  public String problem() {
    return problem;
  }

  /** The value, as read (text that did not parse) or as typed; null when it is missing. */
  public Object value() {
    return value;
  }

  /** Where the value came from, or null when unknown. */
  public SettingSource source() {
    return source;
  }

  /** The problem with the value, without the setting: {@code must be at least 1, got 0}. */
  public String detail() {
    return detail(problem, value);
  }

  private static String detail(String problem, Object value) {
    if (value == null) {
      return problem;
    }
    return problem + ", got " + (value instanceof String s ? "'" + s + "'" : value);
  }

  private static String where(SettingSource source) {
    return source instanceof SettingSource.File file ? file.path() + ": " : "";
  }

  private static String subject(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot) + " setting " + key.substring(dot + 1);
  }
}
