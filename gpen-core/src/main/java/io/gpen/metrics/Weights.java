package io.gpen.metrics;

import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** Reading the published weights of the metric networks. */
final class Weights {
  private Weights() {}

  /**
   * The state dict of {@code file} without the entries the metric does not use (e.g. a classifier
   * head), which are dropped by name before the strict load so that every other name must match.
   */
  static StateDict readWithout(Path file, Predicate<String> unused) {
    StateDict sd = Checkpoints.read(file);
    Map<String, TensorData> kept = new LinkedHashMap<>();
    sd.tensors()
        .forEach(
            (name, t) -> {
              if (!unused.test(name)) {
                kept.put(name, t);
              }
            });
    return new StateDict(sd.source(), sd.description(), kept, sd.metadata());
  }

  /** Whether {@code text} names nothing (null or blank). */
  static boolean absent(String text) {
    return text == null || text.isBlank();
  }
}
