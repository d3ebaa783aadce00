package io.gpen.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
}
