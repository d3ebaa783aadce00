package io.gpen.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of a configuration, in the order its files list them: the only list of its keys.
 *
 * @param settings top-level settings and settings of sections, each key once
 */
public record Schema(List<Setting<?>> settings) {
  /** Checks that every key is there once. */
  public Schema {
    settings = List.copyOf(settings);
    Set<String> keys = new LinkedHashSet<>();
    for (Setting<?> s : settings) {
      if (!keys.add(s.key())) {
        throw new IllegalArgumentException("setting " + s.key() + " twice");
      }
    }
  }

  /** A schema of these settings. */
  public static Schema of(Setting<?>... settings) {
    return new Schema(List.of(settings));
  }

  /** This schema followed by the settings of another. */
  public Schema and(Schema more) {
    List<Setting<?>> all = new ArrayList<>(settings);
    all.addAll(more.settings);
    return new Schema(all);
  }

  /** The setting of a key ({@code size}, {@code degradation.sigma}). */
  public Optional<Setting<?>> setting(String key) {
    return settings.stream().filter(s -> s.key().equals(key)).findFirst();
  }

  /** The settings outside sections: those a command line has as options. */
  public List<Setting<?>> topLevel() {
    return settings.stream().filter(s -> s.section() == null).toList();
  }

  /** Whether a top-level key of a file is a section ({@code degradation}). */
  public boolean isSection(String key) {
    return settings.stream().anyMatch(s -> key.equals(s.section()));
  }

  /**
   * The keys a file may have at one level: at the top (section null) the top-level settings and the
   * sections, in a section the names of its settings.
   */
  public List<String> keys(String section) {
    Set<String> keys = new LinkedHashSet<>();
    for (Setting<?> s : settings) {
      if (section == null) {
        keys.add(s.section() == null ? s.name() : s.section());
      } else if (section.equals(s.section())) {
        keys.add(s.name());
      }
    }
    return List.copyOf(keys);
  }

  /**
   * The default of every setting, by key, as a file is laid out: a section is a map of its
   * settings' defaults under the section's key. A setting without a default maps to null.
   */
  public Map<String, Object> defaults() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      if (s.section() == null) {
        out.put(s.name(), s.defaultValue());
      } else {
        Map<String, Object> section =
            sections.computeIfAbsent(s.section(), k -> new LinkedHashMap<>());
        out.putIfAbsent(s.section(), section);
        section.put(s.name(), s.defaultValue());
      }
    }
    return out;
  }
}
