package io.gpen.settings;

import java.util.ArrayList;
import java.util.List;

/**
 * One setting of a schema: its key, type, default, allowed values and help.
 *
 * <p>A setting of a section ({@code degradation}) is written in YAML under the section's key and
 * has the key {@code section.name}. Settings without a section are also the options of a command
 * line.
 *
 * @param section the section's key, or null for a top-level setting
 * @param name the key within the section
 * @param type the type of the values
 * @param defaultValue the built-in value, or null for none
 * @param optional whether the setting may have no value (YAML {@code ~})
 * @param rules the tests every value must pass, in order
 * @param paramLabel the placeholder of the value in help ({@code N}, {@code DIR})
 * @param help what the setting does, one sentence
 * @param <T> the type of the values
 */
public record Setting<T>(
    String section,
    String name,
    SettingType<T> type,
    T defaultValue,
    boolean optional,
    List<Rule<? super T>> rules,
    String paramLabel,
    String help) {

  /** Copies the rules. */
  public Setting {
    rules = List.copyOf(rules);
  }

  /** A setting that must have a value, with its default. */
  public static <T> Setting<T> of(String name, SettingType<T> type, T defaultValue) {
    return new Setting<>(null, name, type, defaultValue, false, List.of(), null, null);
  }

  /** A setting that may have no value, and has none by default. */
  public static <T> Setting<T> optional(String name, SettingType<T> type) {
    return new Setting<>(null, name, type, null, true, List.of(), null, null);
  }

  /** This setting in a section. */
  public Setting<T> in(String sectionKey) {
    return new Setting<>(sectionKey, name, type, defaultValue, optional, rules, paramLabel, help);
  }

  /** This setting with one more rule. */
  public Setting<T> rule(Rule<? super T> rule) {
    List<Rule<? super T>> more = new ArrayList<>(rules);
    more.add(rule);
    return new Setting<>(section, name, type, defaultValue, optional, more, paramLabel, help);
  }

  /** This setting with its help: the value's placeholder and a sentence. */
  public Setting<T> help(String label, String text) {
    return new Setting<>(section, name, type, defaultValue, optional, rules, label, text);
  }

  /** The key: {@code name}, or {@code section.name} in a section. */
  public String key() {
    return section == null ? name : section + "." + name;
  }

  /**
   * The value a raw one stands for; the rules are not applied (see {@link #check}).
   *
   * @param raw from a file or a caller; null for none
   * @param source where the raw value came from, or null for the default
   * @throws SettingException when the value is missing but required, or not of the type
   */
  public T read(Object raw, SettingSource source) {
    if (raw == null) {
      requirePresent(source);
      return null;
    }
    try {
      return type.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new SettingException(key(), e.getMessage(), String.valueOf(raw), source);
    }
  }

  /**
   * Checks a value against the rules.
   *
   * @param value null when the setting has no value
   * @throws SettingException without a source when the value is missing but required, or refused by
   *     a rule
   */
  public void check(T value) {
    if (value == null) {
      requirePresent(null);
      return;
    }
    for (Rule<? super T> rule : rules) {
      if (!rule.allows().test(value)) {
        throw new SettingException(key(), rule.problem(), value);
      }
    }
  }

  /** The default as people write it, or null when there is none. */
  public String defaultText() {
    return defaultValue == null ? null : type.write(defaultValue);
  }

  private void requirePresent(SettingSource source) {
    if (!optional) {
      throw new SettingException(key(), "must be given", null, source);
    }
  }
}
