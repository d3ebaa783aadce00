package io.gpen.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Layers applied in order, named "0", "1", ... as PyTorch's nn.Sequential names them. */
public class Sequential extends Module implements Layer {
  private final List<Layer> layers = new ArrayList<>();

  /** Appends a layer under the next index. */
  public final <L extends Module & Layer> L add(L layer) {
    registerModule(Integer.toString(layers.size()), layer);
    layers.add(layer);
    return layer;
  }

  public final List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  @Override
  public Tensor forward(Tensor x) {
    for (Layer l : layers) {
      x = l.forward(x);
    }
    return x;
  }

  /**
   * {@link #forward}, each layer in its own {@link PointerScope}: a layer's temporaries are freed
   * as soon as it returns instead of when the caller's scope closes, and each layer's output as
   * soon as the next has read it. For large activations; autograd keeps what it saved either way.
   * The result belongs to the caller's scope (or to the garbage collector where there is none).
   */
  public final Tensor forwardFreeing(Tensor x) {
    Tensor held = null;
    try {
      for (Layer l : layers) {
        Tensor in = held == null ? x : held;
        Tensor out;
        try (PointerScope scope = new PointerScope()) {
          // an owning handle of our own: what a layer returns may be a view of its scope's handle
          out = l.forward(in).alias();
          out.retainReference();
        }
        if (held != null) {
          held.releaseReference();
        }
        held = out;
      }
      return held == null ? x : held.alias();
    } finally {
      if (held != null) {
        held.releaseReference();
      }
    }
  }
}
