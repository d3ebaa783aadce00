package io.gpen.cli;

import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gpen download NAME}: fetch one known model into the local cache. */
@Command(
    name = "download",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Download a known model into the local cache (~/.cache/gpen, or $GPEN_HOME when set),"
          + " verify its checksum and print its path.",
      "A cached copy is verified and kept; a corrupt one is downloaded again. See `gpen models`."
    })
public final class DownloadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "Model name, as listed by `gpen models`.")
  String name;

  @Option(
      names = "--force",
      defaultValue = "false",
      // picocli hides the default of a flag unless asked
      showDefaultValue = Help.Visibility.ALWAYS,
      description = "Download again even when a verified copy is cached.")
  boolean force;

  /** The registry to download into; null means the default one (tests put their own here). */
  ModelRegistry registry;

  @Override
  public Integer call() {
    ModelRegistry reg = registry != null ? registry : ModelRegistry.defaultRegistry();
    Path path = reg.download(reg.require(name), force);
    spec.commandLine().getOut().println(path);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
