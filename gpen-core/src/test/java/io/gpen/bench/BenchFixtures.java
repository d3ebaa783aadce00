package io.gpen.bench;

import io.gpen.SharedData;
import io.gpen.model.ModelFiles;

/** What the bench tests time: a random 64 px model, found with the shared RetinaFace. */
final class BenchFixtures {
  private BenchFixtures() {}

  /** GPEN at 64 px (mul 1, narrow 0.25), random weights, on the fast path, every core. */
  static BenchModel smallRandomModel() {
    return new BenchModel(
        null, null, new ModelFiles.Overrides(64, 1, 0.25), "cpu", 0, BenchModel.ForwardPass.FAST);
  }

  /** The shared RetinaFace MobileNet-0.25 weights. */
  static String retinaFaceWeights() {
    return SharedData.require("models/retinaface_mobilenet0.25.pth").toString();
  }
}
