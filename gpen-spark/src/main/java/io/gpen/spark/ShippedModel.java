package io.gpen.spark;

import io.gpen.api.Engine;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Precision;
import io.gpen.workflow.ModelSpec;
import java.io.Serializable;

/**
 * A {@link ModelSpec} as it travels to the executors: its weights named by the file shipped with
 * the job ({@link Shipping}). The threads are the executor's to choose.
 */
record ShippedModel(
    Engine engine,
    String weights,
    String key,
    ModelFiles.Overrides architecture,
    String device,
    Precision precision)
    implements Serializable {
  /** Ships the weights of a model whose weights are a local file (resolved). */
  static ShippedModel ship(ModelSpec resolved, Shipping shipping) {
    return new ShippedModel(
        resolved.engine(),
        shipping.ship(resolved.weights()),
        resolved.key(),
        resolved.architecture(),
        resolved.device(),
        resolved.precision());
  }

  /** The model on this executor, with {@code threads} CPU threads. */
  ModelSpec spec(int threads) {
    return new ModelSpec(
        engine, Shipping.local(weights), key, architecture, device, threads, precision);
  }
}
