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

  /** Writes {@code tensors} as a PaddlePaddle {@code .pdparams} file: a pickled dict of NumPy arrays. */
  public static void writePdparams(Path file, Map<String, TensorData> tensors) throws IOException {
    Map<String, Object> items = new LinkedHashMap<>();
    tensors.forEach((name, t) -> items.put(name, CheckpointFixtures.ndarray(t)));
    java.nio.file.Files.write(file, PickleWriter.pickle(items));
  }
}
