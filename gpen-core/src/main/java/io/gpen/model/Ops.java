package io.gpen.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorOptional;

/** Small helpers shared by the layers of this package. */
final class Ops {
  private Ops() {}

  static long[] dims(long... v) {
    return v;
  }

  static Scalar scalar(double v) {
    return new Scalar(v);
  }

  static TensorOptional none() {
    return new TensorOptional();
  }

  static TensorOptional some(org.bytedeco.pytorch.Tensor t) {
    return new TensorOptional(t);
  }
}
