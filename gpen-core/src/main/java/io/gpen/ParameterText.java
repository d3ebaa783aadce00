package io.gpen;

import java.util.function.UnaryOperator;

/**
 * A one-line message that names parameters of a library call. In library terms it names them as the
 * Java API does ({@code batchSize must be at least 1, got 0}); a front end renders it with the
 * names its users know instead (a command line's {@code --batch_size}).
 */
@FunctionalInterface
public interface ParameterText {
  /**
   * The message, each parameter named by {@code names}.
   *
   * @param names gives the name to show for a parameter's library name
   */
  String render(UnaryOperator<String> names);

  /** The message with the parameters' library names. */
  default String inLibraryTerms() {
    return render(UnaryOperator.identity());
  }
}
