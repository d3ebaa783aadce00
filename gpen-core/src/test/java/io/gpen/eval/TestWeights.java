package io.gpen.eval;

import io.gpen.checkpoint.Safetensors;
import io.gpen.checkpoint.TensorData;
import io.gpen.metrics.FidInception;
import io.gpen.metrics.Lpips;
import io.gpen.nn.Module;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Random weight files for the metric networks (the published ones cannot be had on test machines),
 * under the names the networks load, scaled so that activations stay in range.
 */
public final class TestWeights {
  private TestWeights() {}

  /** Writes random FID InceptionV3 weights (pt_inception names) to {@code file}. */
  public static Path inception(Path file, long seed) {
    try (FidInception net = new FidInception()) {
      Safetensors.write(file, random(net, "", seed), Map.of());
    }
    return file;
  }

  /** Writes random LPIPS heads (alex.pth names) and AlexNet trunk (torchvision names). */
  public static void lpips(Path heads, Path trunk, long seed) {
    try (Lpips net = new Lpips()) {
      Safetensors.write(heads, random(net, "heads.", seed), Map.of());
      Safetensors.write(trunk, random(net, "trunk.", seed + 1), Map.of());
    }
  }

  private static Map<String, TensorData> random(Module net, String prefix, long seed) {
    torch.manual_seed(seed);
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
        String name = e.getKey();
        if (!name.startsWith(prefix)) {
          continue;
        }
        long[] s = Tensors.shape(e.getValue());
        Tensor v = torch.randn(s);
        if (name.endsWith("running_var")) {
          v = v.abs().mul(new Scalar(0.2)).add(new Scalar(0.9));
        } else if (name.endsWith("bn.weight")) {
          v = v.mul(new Scalar(0.1)).add(new Scalar(1));
        } else if (name.startsWith("heads.")) {
          // LPIPS heads are non-negative weights of squared differences
          v = v.abs().mul(new Scalar(0.1));
        } else if (s.length == 4) {
          v = v.mul(new Scalar(Math.sqrt(2.0 / (s[1] * s[2] * s[3]))));
        } else {
          v = v.mul(new Scalar(0.05));
        }
        out.put(name.substring(prefix.length()), Tensors.toData(v));
      }
    }
    return out;
  }
}
