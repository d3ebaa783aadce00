package io.gpen.nn;

import org.bytedeco.pytorch.Tensor;

/** A module with one input and one output, so that it can sit in a {@link Sequential}. */
public interface Layer {
  Tensor forward(Tensor x);
}
