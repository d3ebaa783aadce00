package io.gpen.sr;

import io.gpen.nn.Layer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Frees the trunk's activations as the reference's reference counting does. Inside a {@link
 * PointerScope} every tensor a forward pass makes lives until the scope closes, so the 69 dense
 * blocks of a Real-ESRNet trunk would hold all their concatenations at once (about 10 GB for a
 * 256×256 photo at ×4). Each block instead runs in a scope of its own that keeps only its result,
 * and the result is dropped as soon as the next block has consumed it.
 */
final class Scopes {
  private Scopes() {}

  /**
   * {@code layer.forward(x)}, with everything it allocates freed on return except its result, which
   * goes to the caller's scope (or, with none, to the garbage collector).
   */
  static Tensor forwardFreeing(Layer layer, Tensor x) {
    Tensor out;
    try (PointerScope own = new PointerScope()) {
      out = layer.forward(x);
      out.retainReference();
    }
    PointerScope caller = PointerScope.getInnerScope();
    if (caller != null) {
      caller.attach(out);
      out.releaseReference();
    }
    return out;
  }

  /** Frees a result of {@link #forwardFreeing} now rather than when the caller's scope closes. */
  static void drop(Tensor t) {
    PointerScope caller = PointerScope.getInnerScope();
    if (caller != null) {
      caller.detach(t);
    }
  }
}
