package io.gpen.cli;

import io.gpen.registry.ModelInfo;
import io.gpen.registry.ModelRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gpen models}: the known weights files and whether each is in the local cache. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "List the known models (weights files) with their source, size, SHA-256 and whether each is"
          + " in the local cache (~/.cache/gpen, or $GPEN_HOME when set).",
      "With a NAME, show that model in detail."
    })
public final class ModelsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      description = "Model to describe (default: list them all).")
  String name;

  /** The registry to list; null means the default one (tests put their own here). */
  ModelRegistry registry;

  @Override
  public Integer call() {
    ModelRegistry reg = registry != null ? registry : ModelRegistry.defaultRegistry();
    PrintWriter out = spec.commandLine().getOut();
    if (name != null) {
      describe(reg, reg.require(name), out);
    } else {
      table(reg, out);
    }
    out.flush();
    return 0;
  }

  private static void table(ModelRegistry reg, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "KIND", "SIZE", "SHA256", "CACHED", "URL"});
    for (ModelInfo m : reg.all()) {
      rows.add(
          new String[] {
            m.name(),
            m.kind().label(),
            size(m),
            shortSha(m),
            reg.isCached(m) ? "yes" : "no",
            m.url().toString()
          });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(
            i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
      }
      out.println(line);
    }
    out.println();
    out.println("cache: " + reg.cacheDir());
  }

  private static void describe(ModelRegistry reg, ModelInfo m, PrintWriter out) {
    out.println("name:     " + m.name());
    out.println("kind:     " + m.kind().label());
    out.println("purpose:  " + m.description());
    m.gpen()
        .ifPresent(
            c ->
                out.println(
                    "config:   size "
                        + c.size()
                        + ", channel multiplier "
                        + c.channelMultiplier()
                        + ", narrow "
                        + c.narrow()));
    out.println("url:      " + m.url());
    out.println("size:     " + size(m));
    out.println(
        "sha256:   "
            + m.sha256()
                .map(s -> m.checksumIsPrefix() ? s + " (prefix)" : s)
                .orElse("not published"));
    out.println(
        "file:     " + reg.cachedFile(m) + (reg.isCached(m) ? " (cached)" : " (not cached)"));
  }

  private static String size(ModelInfo m) {
    if (m.size().isEmpty()) {
      return "?";
    }
    long bytes = m.size().getAsLong();
    return bytes >= 1_000_000
        ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
        : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
  }

  private static String shortSha(ModelInfo m) {
    if (m.sha256().isEmpty()) {
      return "not published";
    }
    String sha = m.sha256().get();
    return m.checksumIsPrefix() ? sha + " (prefix)" : sha.substring(0, 12) + "...";
  }
}
