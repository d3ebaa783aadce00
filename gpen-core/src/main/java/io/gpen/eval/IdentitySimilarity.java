package io.gpen.eval;

import io.gpen.identity.FaceEmbedder;
import io.gpen.identity.FaceEmbedders;
import io.gpen.image.ModelIo;
import io.gpen.metrics.Loaded;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Identity similarity: the cosine similarity of the face embeddings (ArcFace IR-SE50 or
 * MobileFaceNet) of an image and of its real face, each embedded as the training identity loss
 * embeds it: {@link FaceEmbedders#crop} of the face in [-1, 1], then the network.
 */
public final class IdentitySimilarity implements AutoCloseable {
  /** The name results carry. */
  public static final String NAME = "identity";

  private final FaceEmbedder net;
  private final Device device;

  private IdentitySimilarity(FaceEmbedder net, Device device) {
    this.net = net;
    this.device = device;
  }

  /**
   * The embedding network from a file or registry name (e.g. {@code ArcFace-IR-SE50}) on {@code
   * device}, or skipped where {@code weights} is null or blank.
   *
   * @throws io.gpen.GpenException where weights are given but cannot be had or are not a face
   *     embedding network
   */
  public static Loaded<IdentitySimilarity> open(
      String weights, ModelRegistry registry, Device device) {
    if (weights == null || weights.isBlank()) {
      return Loaded.skipped(
          "no face embedding weights given (--id_weights: ArcFace-IR-SE50 or a MobileFaceNet file)");
    }
    FaceEmbedder net = FaceEmbedders.load(registry.resolve(weights));
    if (!device.is_cpu()) {
      net.to(device);
    }
    return Loaded.of(new IdentitySimilarity(net, device));
  }

  /** The network, e.g. "MobileFaceNet". */
  public String embedder() {
    return net.name();
  }

  /**
   * The embeddings of faces, [N, D], unit rows, on the network's device; the result lives in the
   * caller's pointer scope.
   *
   * @param faces square {@code CV_8UC3} BGR faces of one size
   */
  public Tensor embed(List<Mat> faces) {
    if (faces.isEmpty()) {
      throw new IllegalArgumentException("no faces");
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      return net.embed(FaceEmbedders.crop(modelTensor(faces)));
    }
  }

  /** The cosine similarity of each pair of rows of two [N, D] embeddings, in [-1, 1]. */
  public static double[] similarity(Tensor a, Tensor b) {
    try (PointerScope scope = new PointerScope()) {
      float[] cos = Tensors.toFloats(FaceEmbedders.cosineSimilarity(a, b));
      double[] out = new double[cos.length];
      for (int i = 0; i < cos.length; i++) {
        out[i] = cos[i];
      }
      return out;
    }
  }

  /** The faces as the model reads them, [N,3,S,S] RGB in [-1, 1], on the network's device. */
  private Tensor modelTensor(List<Mat> faces) {
    int size = faces.get(0).rows();
    int per = 3 * size * size;
    float[] data = new float[Math.multiplyExact(faces.size(), per)];
    for (int i = 0; i < faces.size(); i++) {
      Mat f = faces.get(i);
      if (f.rows() != size || f.cols() != size) {
        throw new IllegalArgumentException(
            "faces must be square and of one size: "
                + size
                + "x"
                + size
                + " and "
                + f.cols()
                + "x"
                + f.rows());
      }
      ModelIo.toModelInput(f, size, data, i * per);
    }
    Tensor t = Tensors.fromFloats(data, faces.size(), 3, size, size);
    return device.is_cpu() ? t : t.to(device, t.scalar_type());
  }

  @Override
  public void close() {
    net.close();
  }
}
