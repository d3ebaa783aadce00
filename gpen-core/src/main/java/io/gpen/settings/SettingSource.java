package io.gpen.settings;

import java.nio.file.Path;

/**
 * Where the value of a setting came from, when it was not the schema's default: a settings file, or
 * the caller of the configuration (a command line's options, a benchmark's own settings).
 */
public sealed interface SettingSource {
  /** The values a caller gives, e.g. the options of a command line. */
  SettingSource GIVEN = new Given();

  /**
   * A settings file.
   *
   * @param path the file, as the user named it
   */
  record File(Path path) implements SettingSource {}

  /** A value given by the caller of the configuration; see {@link #GIVEN}. */
  record Given() implements SettingSource {}
}
