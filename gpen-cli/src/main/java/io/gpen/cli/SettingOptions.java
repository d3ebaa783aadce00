package io.gpen.cli;

import io.gpen.settings.Setting;
import io.gpen.settings.SettingException;
import io.gpen.settings.SettingSource;
import io.gpen.train.TrainSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The training settings ({@link TrainSettings#SCHEMA}) as options of {@code gpen train}: one option
 * {@code --key} per top-level setting, with the setting's type, placeholder, help and default. The
 * settings of the {@code degradation} section, which only a file sets, are listed after the
 * options.
 */
final class SettingOptions implements IModelTransformer {
  @Override
  public CommandSpec transform(CommandSpec spec) {
    for (Setting<?> setting : TrainSettings.SCHEMA.topLevel()) {
      spec.addOption(
          OptionSpec.builder(flag(setting.key()))
              .type(setting.type().javaType())
              .paramLabel(setting.paramLabel())
              .description(setting.help())
              .defaultValue(setting.defaultText())
              .userObject(setting)
              .build());
    }
    spec.usageMessage().footer(footer().toArray(String[]::new));
    return spec;
  }

  /** The option of a top-level setting: {@code --size} for {@code size}. */
  static String flag(String key) {
    return "--" + key;
  }

  /** The settings given on the command line (not those at their defaults), by key. */
  static Map<String, Object> given(ParseResult parsed) {
    Map<String, Object> given = new LinkedHashMap<>();
    for (OptionSpec option : parsed.matchedOptions()) {
      if (option.userObject() instanceof Setting<?> setting) {
        given.put(setting.key(), option.getValue());
      }
    }
    return given;
  }

  /**
   * The error as the command line says it, for every command that passes its options on as given
   * settings ({@code train}, {@code bench --train}): a value given as an option is named by the
   * option ({@code --mul must be at least 1, got 0}); a value from a file by the file and key.
   */
  static String message(SettingException e) {
    return e.source() instanceof SettingSource.Given
        ? flag(e.key()) + " " + e.detail()
        : e.getMessage();
  }

  /** The settings of sections, which only a file sets, as YAML with their defaults and help. */
  private static List<String> footer() {
    List<String> lines = new ArrayList<>();
    String section = null;
    for (Setting<?> s : TrainSettings.SCHEMA.settings()) {
      if (s.section() == null) {
        continue;
      }
      if (!s.section().equals(section)) {
        if (section == null) {
          lines.add("Settings of --config FILE only, with their defaults:");
        }
        section = s.section();
        lines.add(section + ":");
      }
      lines.add("  " + s.name() + ": " + s.defaultText() + "  # " + s.help());
    }
    return lines;
  }
}
