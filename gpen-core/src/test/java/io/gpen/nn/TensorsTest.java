package io.gpen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gpen.checkpoint.DType;
import io.gpen.checkpoint.TensorData;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Tensors of libtorch become checkpoint data with their own element type and back. */
class TensorsTest {
  @Test
  void elementTypeOfNativeTensorsSurvivesTheRoundTrip() {
    try (PointerScope scope = new PointerScope()) {
      Tensor floats = Tensors.fromFloats(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.5f}, 2, 3);
      TensorData data = Tensors.toData(floats);
      assertEquals(DType.FLOAT32, data.dtype());
      assertArrayEquals(new long[] {2, 3}, data.shape());
      assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.5f}, data.toFloatArray());
      assertEquals(0.0, Tensors.maxAbsDiff(floats, Tensors.fromData(data)));

      Tensor longs =
          torch.arange(new org.bytedeco.pytorch.Scalar(5), new TensorOptions(ScalarType.Long));
      TensorData longData = Tensors.toData(longs);
      assertEquals(DType.INT64, longData.dtype());
      assertArrayEquals(new float[] {0, 1, 2, 3, 4}, longData.toFloatArray());
      assertEquals(DType.FLOAT64, Tensors.dtype(floats.to(ScalarType.Double).scalar_type()));
    }
  }
}
