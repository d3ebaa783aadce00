package io.gpen.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.ModelIo;
import io.gpen.model.FullGenerator;
import io.gpen.model.ModelFiles;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * A restorer over a {@code FullGenerator_SR} (the golden 32→64 model): faces are resized to the
 * input size and come back at the output size, on the fast and the reference path, in any batching.
 */
class SuperResolutionRestorerTest {
  @Test
  void facesAreResizedToTheInputAndComeBackAtTheOutputSize() {
    Path weights = SharedData.require("golden/gpen_sr32to64.pth");
    List<Image> faces = new ArrayList<>();
    for (String n : new String[] {"00000", "00001", "00002"}) {
      faces.add(Images.read(SharedData.require("faces/ffhq256/" + n + ".png")));
    }
    List<Mat> inputs = faces.stream().map(Image::bgr).toList();
    try (Restorer fast = Restorer.builder().weights(weights).batchSize(2).build();
        Restorer reference =
            Restorer.builder().weights(weights).referencePath(true).batchSize(3).build()) {
      assertEquals(32, fast.inputSize());
      assertEquals(64, fast.size());
      assertTrue(fast.description().contains("size=32 out_size=64"), fast.description());
      // the drawn noise depends on the batching, so each path's batches are checked by shape, the
      // two paths against each other with the same draws
      torch.manual_seed(3);
      List<Mat> a = fast.restore(inputs);
      for (Mat m : a) {
        assertEquals(64, m.rows());
        assertEquals(64, m.cols());
        assertEquals(opencv_core.CV_8UC3, m.type());
      }
      try (Restorer fast3 = Restorer.builder().weights(weights).batchSize(3).build()) {
        torch.manual_seed(4);
        List<Mat> b = fast3.restore(inputs);
        torch.manual_seed(4);
        List<Mat> c = reference.restore(inputs);
        for (int i = 0; i < inputs.size(); i++) {
          // float differences of 1e-5 can move a truncated 8-bit value by one level
          assertTrue(RestorerTest.maxDiff(b.get(i), c.get(i)) <= 1, "face " + i);
        }
        b.forEach(Mat::close);
        c.forEach(Mat::close);
      }
      a.forEach(Mat::close);
    } finally {
      faces.forEach(Image::close);
    }
  }

  /** The restorer's output is the model's on the 32×32 input, converted as the reference does. */
  @Test
  void outputIsTheModelsOnTheResizedInput() {
    Path weights = SharedData.require("golden/gpen_sr32to64.pth");
    try (Image face = Images.read(SharedData.require("faces/ffhq256/00003.png"));
        Restorer r = Restorer.builder().weights(weights).referencePath(true).build();
        FullGenerator g =
            ModelFiles.loadGenerator(weights, null, ModelFiles.Overrides.NONE).model();
        PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      torch.manual_seed(12);
      Mat restored = r.restore(face.bgr());
      Tensor x = Tensors.fromFloats(ModelIo.toModelInput(face.bgr(), 32), 1, 3, 32, 32);
      torch.manual_seed(12);
      float[] y = Tensors.toFloats(g.forward(x).image());
      try (Mat expected = ModelIo.fromModelOutput(y, 0, 64)) {
        assertEquals(0.0, RestorerTest.maxDiff(restored, expected));
      }
      restored.close();
    }
  }
}
