package io.gpen;

import java.util.function.UnaryOperator;

/**
 * A bad argument of a library call: a value out of range, a path that does not exist or cannot be
 * written, settings that do not go together. The message names the parameters in library terms
 * ({@link #getMessage()}); {@link #message(UnaryOperator)} names them as a front end does.
 */
public final class BadParameter extends GpenException {
  private static final long serialVersionUID = 1L;

  /**
   * Absent after deserialisation, when the library terms ({@link #getMessage()}) are all that is
   * left.
   */
  private final transient ParameterText text;

  public BadParameter(ParameterText text) {
    super(text.inLibraryTerms());
    this.text = text;
  }

  public BadParameter(ParameterText text, Throwable cause) {
    super(text.inLibraryTerms(), cause);
    this.text = text;
  }

  /** {@code "<parameter> <problem>"}, e.g. {@code of("batchSize", "must be at least 1, got 0")}. */
  public static BadParameter of(String parameter, String problem) {
    return new BadParameter(names -> names.apply(parameter) + " " + problem);
  }

  /**
   * {@code "<parameter>: <problem>"} for a file or model given as {@code parameter} that could not
   * be used, e.g. weights of another network.
   */
  public static BadParameter naming(String parameter, GpenException problem) {
    return new BadParameter(names -> names.apply(parameter) + ": " + problem.getMessage(), problem);
  }

  /** The message, each parameter named by {@code names} (given its library name). */
  public String message(UnaryOperator<String> names) {
    return text == null ? getMessage() : text.render(names);
  }

  /**
   * This problem with parameter {@code from} called {@code to}, as a caller that passed it on knows
   * it.
   */
  public BadParameter renamed(String from, String to) {
    if (text == null) {
      return this;
    }
    ParameterText original = text;
    return new BadParameter(
        names -> original.render(p -> names.apply(p.equals(from) ? to : p)), getCause());
  }
}
