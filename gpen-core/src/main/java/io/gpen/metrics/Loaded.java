package io.gpen.metrics;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

/**
 * A metric network that was loaded, or the reason it was not (its weights were not given), so that
 * an evaluation can skip that metric with one line and go on with the others.
 *
 * @param <T> the network
 */
public final class Loaded<T> {
  private final T model;
  private final String skipReason;

  private Loaded(T model, String skipReason) {
    this.model = model;
    this.skipReason = skipReason;
  }

  /** A loaded network. */
  public static <T> Loaded<T> of(T model) {
    return new Loaded<>(Objects.requireNonNull(model, "model"), null);
  }

  /** No network, with why, e.g. "no LPIPS weights given". */
  public static <T> Loaded<T> skipped(String reason) {
    return new Loaded<>(null, Objects.requireNonNull(reason, "reason"));
  }

  public boolean isLoaded() {
    return model != null;
  }

  /** The network, or empty where it was skipped. */
  public Optional<T> model() {
    return Optional.ofNullable(model);
  }

  /** The network; fails where it was skipped. */
  public T get() {
    if (model == null) {
      throw new NoSuchElementException("skipped: " + skipReason);
    }
    return model;
  }

  /** Why the network was skipped; empty where it was loaded. */
  public Optional<String> skipReason() {
    return Optional.ofNullable(skipReason);
  }

  @Override
  public String toString() {
    return model != null ? "Loaded[" + model + "]" : "Loaded[skipped: " + skipReason + "]";
  }
}
