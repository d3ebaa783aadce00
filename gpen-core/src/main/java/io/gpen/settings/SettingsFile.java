package io.gpen.settings;

import io.gpen.GpenException;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A YAML file of settings: a mapping of a schema's keys to raw values, with each section a mapping
 * of its own. Unknown keys are an error.
 */
public final class SettingsFile {
  private SettingsFile() {}

  /**
   * The raw values of a file, by key ({@code size}, {@code degradation.sigma}); a key given as
   * {@code ~} maps to null, a section given as {@code ~} adds nothing.
   *
   * @throws GpenException naming the file: unreadable, not YAML, not a mapping, or an unknown key
   */
  public static Map<String, Object> read(Path file, Schema schema) {
    Object root;
    try (Reader in = Files.newBufferedReader(file)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (NoSuchFileException e) {
      throw new GpenException(file + ": configuration file not found");
    } catch (IOException e) {
      throw new GpenException(file + ": cannot read (" + AtomicFiles.reason(e) + ")", e);
    } catch (YAMLException e) {
      throw new GpenException(file + ": not valid YAML (" + firstLine(e.getMessage()) + ")", e);
    }
    Map<String, Object> values = new LinkedHashMap<>();
    if (root == null) {
      return values;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new GpenException(
          file + ": expected a mapping of settings (key: value), got " + kind(root));
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = known(file, schema, null, e.getKey());
      if (schema.isSection(key)) {
        readSection(file, schema, key, e.getValue(), values);
      } else {
        values.put(key, e.getValue());
      }
    }
    return values;
  }

  private static void readSection(
      Path file, Schema schema, String section, Object value, Map<String, Object> values) {
    if (value == null) {
      return;
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new GpenException(
          file
              + ": "
              + section
              + " must be a mapping of "
              + String.join(", ", schema.keys(section))
              + ", got "
              + kind(value));
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      values.put(section + "." + known(file, schema, section, e.getKey()), e.getValue());
    }
  }

  /** The key, if the schema has it at this level. */
  private static String known(Path file, Schema schema, String section, Object key) {
    String name = String.valueOf(key);
    List<String> keys = schema.keys(section);
    if (!keys.contains(name)) {
      throw new GpenException(
          file
              + ": unknown key '"
              + (section == null ? "" : section + ".")
              + name
              + "' (known: "
              + String.join(", ", keys)
              + ")");
    }
    return name;
  }

  private static String kind(Object o) {
    if (o instanceof List) {
      return "a list";
    }
    if (o instanceof Map) {
      return "a mapping";
    }
    return "'" + o + "'";
  }

  private static String firstLine(String m) {
    String s = String.valueOf(m).strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
