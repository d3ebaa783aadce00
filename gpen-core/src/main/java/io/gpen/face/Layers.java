package io.gpen.face;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Sequential;
import io.gpen.nn.Stateless;

/**
 * The conv-bn-activation blocks of RetinaFace's MobileNet body and neck (its conv_bn and conv_dw).
 */
final class Layers {
  private Layers() {}

  /** Convolution and batch normalisation, optionally followed by a leaky ReLU (null: none). */
  static Sequential convBn(int in, int out, int kernel, int stride, Double leaky) {
    Sequential s = new Sequential();
    s.add(new Conv2d(in, out, kernel, stride, kernel / 2, 1, false));
    s.add(new BatchNorm(out));
    if (leaky != null) {
      s.add(Stateless.leakyReluInPlace(leaky));
    }
    return s;
  }

  /** Depthwise 3×3 then pointwise 1×1 convolution, each with batch norm and leaky ReLU 0.1. */
  static Sequential convDw(int in, int out, int stride) {
    Sequential s = new Sequential();
    s.add(new Conv2d(in, in, 3, stride, 1, in, false));
    s.add(new BatchNorm(in));
    s.add(Stateless.leakyReluInPlace(0.1));
    s.add(new Conv2d(in, out, 1, 1, 0, 1, false));
    s.add(new BatchNorm(out));
    s.add(Stateless.leakyReluInPlace(0.1));
    return s;
  }
}
