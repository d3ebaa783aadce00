package io.gpen.cli;

import java.lang.reflect.Field;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's names for the parameters of library calls. A command keeps each value it
 * passes to a workflow in a field named as the workflow's parameter ({@code batchSize} holds {@code
 * --batch_size}), so that the library's messages ({@link io.gpen.BadParameter}, notes) can name the
 * flag the user typed.
 */
final class OptionNames {
  private OptionNames() {}

  /**
   * The flag of {@code spec} whose field is named {@code parameter} (its longest name, e.g. {@code
   * --weights} of {@code -w}), or the parameter's own name where no option holds it.
   */
  static String flag(CommandSpec spec, String parameter) {
    for (OptionSpec option : spec.options()) {
      if (option.userObject() instanceof Field field && field.getName().equals(parameter)) {
        return option.longestName();
      }
    }
    return parameter;
  }
}
