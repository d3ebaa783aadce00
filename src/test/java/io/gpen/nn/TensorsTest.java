package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.TensorData;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class TensorsTest {
  @Test
  void toDataKeepsTheElementTypeOfTensorsMadeByLibtorch() {
    try (PointerScope scope = new PointerScope()) {
      Tensor f = torch.arange(new org.bytedeco.pytorch.Scalar(6)).to(ScalarType.Float).reshape(2, 3);
      TensorData data = Tensors.toData(f);
      assertEquals(DType.FLOAT32, data.dtype());
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, data.toFloatArray());
      Tensor d = f.to(ScalarType.Double);
      assertEquals(DType.FLOAT64, Tensors.toData(d).dtype());
      assertEquals(0, Tensors.maxAbsDiff(d, Tensors.fromData(Tensors.toData(d))));
    }
  }
}
