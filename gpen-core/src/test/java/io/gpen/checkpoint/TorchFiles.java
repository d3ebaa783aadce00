package io.gpen.checkpoint;

import io.gpen.checkpoint.CheckpointFixtures.TorchFile;
import io.gpen.checkpoint.PickleWriter.OrderedDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For tests of other packages: writes state dicts as PyTorch's {@code torch.save} and
 * PaddlePaddle's {@code paddle.save} do.
 */
public final class TorchFiles {
  private TorchFiles() {}

  /** Writes {@code tensors} as a state dict (an OrderedDict) in the zip or the legacy layout. */
  public static void writeStateDict(Path file, Map<String, TensorData> tensors, boolean legacy)
      throws IOException {
    TorchFile torch = legacy ? TorchFile.legacy() : TorchFile.zip();
    Map<String, Object> items = new LinkedHashMap<>();
    tensors.forEach((name, t) -> items.put(name, torch.tensor(t)));
    torch.write(file, new OrderedDict(items, null));
  }

  /**
   * Writes any object as {@code torch.save} would: maps become dicts (keys as they are), lists
   * lists, {@link TensorData} tensors, and a map from strings to tensors an OrderedDict (a state
   * dict), e.g. a training checkpoint {@code {'g': state_dict, 'g_optim': {'state': {0: {...}},
   * 'param_groups': [...]}}}.
   */
  public static void writeObject(Path file, Object root) throws IOException {
    TorchFile torch = TorchFile.zip();
    torch.write(file, convert(torch, root));
  }

  private static Object convert(TorchFile torch, Object o) {
    if (o instanceof TensorData t) {
      return torch.tensor(t);
    }
    if (o instanceof Map<?, ?> m) {
      Map<Object, Object> items = new LinkedHashMap<>();
      boolean stateDict = !m.isEmpty();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        stateDict &= e.getKey() instanceof String && e.getValue() instanceof TensorData;
        items.put(e.getKey(), convert(torch, e.getValue()));
      }
      if (stateDict) {
        Map<String, Object> named = new LinkedHashMap<>();
        items.forEach((k, v) -> named.put((String) k, v));
        return new OrderedDict(named, null);
      }
      return items;
    }
    if (o instanceof java.util.List<?> l) {
      return l.stream().map(v -> convert(torch, v)).toList();
    }
    return o;
  }

  /**
   * Writes {@code tensors} as a PaddlePaddle {@code .pdparams} file: a pickled dict of NumPy
   * arrays.
   */
  public static void writePdparams(Path file, Map<String, TensorData> tensors) throws IOException {
    Map<String, Object> items = new LinkedHashMap<>();
    tensors.forEach((name, t) -> items.put(name, CheckpointFixtures.ndarray(t)));
    java.nio.file.Files.write(file, PickleWriter.pickle(items));
  }
}
