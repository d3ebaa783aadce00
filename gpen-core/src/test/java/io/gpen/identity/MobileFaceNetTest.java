package io.gpen.identity;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.SharedData;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.ModelIo;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The released MobileFaceNet ({@code ../shared/models/mobilefacenet.pt}) loads into the
 * reconstructed architecture and behaves as a face embedding on aligned FFHQ faces.
 */
class MobileFaceNetTest {
  /**
   * Lowest similarity of a face and its slightly changed copy. Measured: 0.988 at worst over the
   * ten faces and the three changes below (mean 0.99). With random weights it is 0.87.
   */
  static final double SAME_MIN = 0.95;

  /**
   * Highest similarity of two different people. Measured: 0.54 at worst over the 45 pairs. With
   * random weights it is 0.85; without the residual connections every face gives the same embedding
   * (1.0).
   */
  static final double DIFFERENT_MAX = 0.75;

  /** Mean similarity of two different people. Measured: 0.08; with random weights 0.77. */
  static final double DIFFERENT_MEAN_MAX = 0.3;

  static final int FACES = 10;

  static FaceEmbedder net;

  @BeforeAll
  static void load() {
    net = FaceEmbedders.load(SharedData.require("models/mobilefacenet.pt"));
  }

  @AfterAll
  static void release() {
    if (net != null) {
      net.close();
    }
  }

  /**
   * FFHQ-aligned faces 00000..00009 (ten different people), changed by {@code change}, as [N, 3,
   * 256, 256].
   */
  static Tensor faces(UnaryOperator<Mat> change) {
    Path dir = SharedData.require("faces/ffhq256");
    float[] all = new float[FACES * 3 * 256 * 256];
    for (int i = 0; i < FACES; i++) {
      try (Image image = Images.read(dir.resolve(String.format("%05d.png", i)));
          Mat changed = change.apply(image.bgr())) {
        ModelIo.toModelInput(changed, 256, all, i * 3 * 256 * 256);
      }
    }
    return Tensors.fromFloats(all, FACES, 3, 256, 256);
  }

  static Mat blur(Mat m) {
    Mat out = new Mat();
    GaussianBlur(m, out, new Size(5, 5), 1.0);
    return out;
  }

  static Mat brighter(Mat m) {
    Mat out = new Mat();
    m.convertTo(out, -1, 1.0, 20);
    return out;
  }

  static Mat jpeg(Mat m) {
    try (BytePointer buf = new BytePointer();
        IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, 40)) {
      assertTrue(imencode(".jpg", m, buf, params));
      try (Mat encoded =
          new Mat(1, (int) buf.limit(), org.bytedeco.opencv.global.opencv_core.CV_8UC1, buf)) {
        return imdecode(encoded, IMREAD_COLOR);
      }
    }
  }

  @Test
  void describesItself() {
    assertEquals(128, net.dimension());
    assertEquals(112, net.inputSize());
    assertEquals("MobileFaceNet", net.name());
  }

  @Test
  void embeddingsAreUnitNorm128() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor e = net.embed(FaceEmbedders.crop(faces(Mat::clone)));
      assertArrayEquals(new long[] {FACES, 128}, Tensors.shape(e));
      float[] norms =
          Tensors.toFloats(
              torch.linalg_vector_norm(
                  e,
                  new Scalar(2),
                  new long[] {1},
                  false,
                  new org.bytedeco.pytorch.ScalarTypeOptional()));
      for (float n : norms) {
        assertEquals(1.0, n, 1e-5);
      }
    }
  }

  @Test
  void sameFaceSlightlyChangedIsCloserThanAnyOtherFace() {
    List<UnaryOperator<Mat>> changes =
        List.of(MobileFaceNetTest::blur, MobileFaceNetTest::brighter, MobileFaceNetTest::jpeg);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor original = net.embed(FaceEmbedders.crop(faces(Mat::clone)));
      float[] between = Tensors.toFloats(original.matmul(original.t()));
      double sum = 0;
      for (int i = 0; i < FACES; i++) {
        for (int j = 0; j < FACES; j++) {
          if (i != j) {
            assertTrue(
                between[i * FACES + j] < DIFFERENT_MAX,
                "faces " + i + " and " + j + ": " + between[i * FACES + j]);
            sum += between[i * FACES + j];
          }
        }
      }
      double mean = sum / (FACES * (FACES - 1));
      assertTrue(mean < DIFFERENT_MEAN_MAX, "mean similarity of different faces " + mean);
      List<String> sames = new ArrayList<>();
      for (UnaryOperator<Mat> change : changes) {
        Tensor changed = net.embed(FaceEmbedders.crop(faces(change)));
        float[] sim = Tensors.toFloats(original.matmul(changed.t()));
        for (int i = 0; i < FACES; i++) {
          float same = sim[i * FACES + i];
          sames.add(String.format("%.3f", same));
          assertTrue(same > SAME_MIN, "face " + i + " and its changed copy: " + same);
          for (int j = 0; j < FACES; j++) {
            if (j != i) {
              assertTrue(
                  same > sim[i * FACES + j], "face " + i + " is closer to the changed face " + j);
              assertTrue(
                  same > sim[j * FACES + i], "changed face " + i + " is closer to face " + j);
              assertTrue(same > between[i * FACES + j], "face " + i + " is closer to face " + j);
            }
          }
        }
      }
      System.out.println(
          "MobileFaceNet same-face similarities " + sames + "; different faces mean " + mean);
    }
  }

  @Test
  void gradientsFlowToTheInputAndNotToTheWeights() {
    try (PointerScope scope = new PointerScope()) {
      // the identity loss at the training size of the tests: 64×64 outputs against 64×64 targets
      Tensor all = torch.adaptive_avg_pool2d(faces(Mat::clone), 64, 64);
      Tensor target = all.narrow(0, 0, 2);
      Tensor x = all.narrow(0, 2, 2).clone();
      x.set_requires_grad(true);
      Tensor targetEmbedding;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        targetEmbedding = net.embed(FaceEmbedders.crop(target));
      }
      Tensor loss = lossOf(x, targetEmbedding);
      TensorVector grads =
          torch.grad(
              new TensorVector(loss),
              new TensorVector(x),
              new TensorVector(),
              new BoolOptional(),
              false,
              false);
      Tensor g = grads.get(0);
      assertArrayEquals(Tensors.shape(x), Tensors.shape(g));
      double gradNorm = torch.linalg_vector_norm(g).item_double();
      assertTrue(Double.isFinite(gradNorm) && gradNorm > 0, "gradient norm " + gradNorm);
      // a small step against the gradient lowers the loss: the gradient is the loss's
      double before = loss.item_double();
      double after;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        after =
            lossOf(x.detach().sub(g.mul(new Scalar(0.05 / gradNorm))), targetEmbedding)
                .item_double();
      }
      assertTrue(after < before, "loss " + before + " then " + after);
      for (Tensor p : ((io.gpen.nn.Module) net).parameters()) {
        assertFalse(p.requires_grad(), "the embedder's weights are frozen");
      }
    }
  }

  /** The reference IDLoss: mean over the batch of 1 − ⟨f(x), f(target)⟩. */
  static Tensor lossOf(Tensor x, Tensor targetEmbedding) {
    Tensor e = net.embed(FaceEmbedders.crop(x));
    return FaceEmbedders.cosineSimilarity(e, targetEmbedding).neg().add(new Scalar(1)).mean();
  }

  @Test
  void rejectsUncroppedInput() {
    try (PointerScope scope = new PointerScope()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> net.embed(torch.zeros(1, 3, 64, 64)));
      assertTrue(e.getMessage().contains("[1, 3, 64, 64]"), e.getMessage());
    }
  }
}
