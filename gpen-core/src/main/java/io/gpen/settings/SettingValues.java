package io.gpen.settings;

import java.util.HashMap;
import java.util.Map;

/**
 * The raw values of a schema's settings, layered: the defaults, overridden by each source in turn
 * (a file, then the values a caller gives), each value with the source it came from.
 */
public final class SettingValues {
  private final Schema schema;
  private final Map<String, Object> raw = new HashMap<>();
  private final Map<String, SettingSource> sources = new HashMap<>();

  /** The defaults of every setting of the schema. */
  public SettingValues(Schema schema) {
    this.schema = schema;
    for (Setting<?> s : schema.settings()) {
      raw.put(s.key(), s.defaultValue());
    }
  }

  /**
   * Replaces values with those of a source, null ones included (YAML's {@code ~} is a value: none).
   *
   * @param values raw values by key ({@code size}, {@code degradation.sigma})
   * @throws IllegalArgumentException for a key the schema does not have
   */
  public void override(Map<String, ?> values, SettingSource source) {
    for (Map.Entry<String, ?> e : values.entrySet()) {
      if (schema.setting(e.getKey()).isEmpty()) {
        throw new IllegalArgumentException("not a setting: " + e.getKey());
      }
      raw.put(e.getKey(), e.getValue());
      sources.put(e.getKey(), source);
    }
  }

  /**
   * The value of a setting, of its type; the rules are checked where the value is used (see {@link
   * Setting#check}), and {@link #locate} adds the source to their errors.
   *
   * @throws SettingException naming the source: missing but required, or not of the type
   */
  public <T> T get(Setting<T> setting) {
    return setting.read(raw.get(setting.key()), sources.get(setting.key()));
  }

  /** The error with the source of its setting's value, when it had none and the value has one. */
  public SettingException locate(SettingException e) {
    SettingSource source = sources.get(e.key());
    return e.source() != null || source == null ? e : e.from(source);
  }
}
