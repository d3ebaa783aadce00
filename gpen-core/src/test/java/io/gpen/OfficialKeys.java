package io.gpen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter names and shapes of the official face parser and super-resolution checkpoints, as
 * listed in {@code ../shared/docs/parser-sr-keys.txt}: one section per file, opened by a line
 * {@code # <file>: ...}, one {@code name [shape]} line per tensor, and lines {@code # body.1 ...
 * body.22: as body.0} that stand for repeated blocks.
 */
public final class OfficialKeys {
  private static final Pattern TENSOR = Pattern.compile("(\\S+) \\[([0-9, ]*)\\]");
  private static final Pattern REPEAT =
      Pattern.compile("# (\\w+)\\.1 \\.\\.\\. \\1\\.(\\d+): as \\1\\.0");

  private OfficialKeys() {}

  /**
   * Name to shape (as text, e.g. "[64, 3, 3, 3]") of the section of {@code file}, repeats expanded.
   */
  public static Map<String, String> of(String file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(SharedData.require("docs/parser-sr-keys.txt"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    boolean inside = false;
    for (String line : lines) {
      if (line.startsWith("# " + file + ":")) {
        inside = true;
        continue;
      }
      if (!inside) {
        continue;
      }
      if (line.isBlank() || line.startsWith("# ") && line.contains(".pth:")) {
        break;
      }
      Matcher repeat = REPEAT.matcher(line);
      if (repeat.matches()) {
        String prefix = repeat.group(1) + ".";
        Map<String, String> first = new LinkedHashMap<>();
        out.forEach(
            (k, v) -> {
              if (k.startsWith(prefix + "0.")) {
                first.put(k.substring(prefix.length() + 2), v);
              }
            });
        for (int i = 1; i <= Integer.parseInt(repeat.group(2)); i++) {
          for (Map.Entry<String, String> e : first.entrySet()) {
            out.put(prefix + i + "." + e.getKey(), e.getValue());
          }
        }
        continue;
      }
      Matcher m = TENSOR.matcher(line.trim());
      if (m.matches()) {
        out.put(m.group(1), "[" + m.group(2) + "]");
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no section for " + file + " in parser-sr-keys.txt");
    }
    return out;
  }

  /** A shape as the key list writes it. */
  public static String shape(long[] shape) {
    return Arrays.toString(shape);
  }
}
