/**
 * Settings described once, by a schema: each {@link io.gpen.settings.Setting} has its key, its
 * {@link io.gpen.settings.SettingType}, its default, its allowed values ({@link
 * io.gpen.settings.Rule}) and its help text. A {@link io.gpen.settings.Schema} lists the settings
 * of a configuration; {@link io.gpen.settings.SettingsFile} reads them from YAML and {@link
 * io.gpen.settings.SettingValues} layers defaults, files and values given by a caller. A bad value
 * is a {@link io.gpen.settings.SettingException} that carries the key, the problem, the value and
 * its {@link io.gpen.settings.SettingSource} as data, so that a command line can name its own
 * option instead.
 */
package io.gpen.settings;
