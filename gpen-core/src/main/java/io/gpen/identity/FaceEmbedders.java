package io.gpen.identity;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.nn.Module;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Loading of face embedding networks and the helpers of the identity loss and the identity
 * similarity: the reference's face crop and the cosine similarity of embedding pairs.
 */
public final class FaceEmbedders {
  /** The side of the square input of both networks. */
  static final int INPUT_SIZE = 112;

  /** How many tensor names an "unrecognised file" message shows. */
  private static final int NAMES_SHOWN = 4;

  private FaceEmbedders() {}

  /**
   * Reads a face embedding network from a checkpoint file in any format {@link Checkpoints}
   * accepts, recognising it by its tensor names: {@code input_layer.0.weight} makes it ArcFace
   * IR-SE50 ({@code model_ir_se50.pth}), {@code dw_conv.depthwise.weight} or {@code
   * gdconv.depthwise.weight} MobileFaceNet ({@code mobilefacenet.pt}). Loading is strict; only
   * {@code num_batches_tracked} counters may be absent. The network is on the CPU, frozen.
   *
   * @throws GpenException naming the file when it cannot be read, holds neither network, or does
   *     not fit the network its names point to (missing, unexpected or mis-shaped tensors)
   */
  public static FaceEmbedder load(Path weights) {
    StateDict sd = Checkpoints.read(weights);
    if (sd.contains("input_layer.0.weight")) {
      return loadInto(
          new ArcFaceIrSe50(),
          sd,
          "ArcFace IR-SE50 (InsightFace_Pytorch Backbone(112, 50, 'ir_se'))");
    }
    if (sd.contains("dw_conv.depthwise.weight") || sd.contains("gdconv.depthwise.weight")) {
      return loadInto(new MobileFaceNet(), sd, "MobileFaceNet (foamliu/MobileFaceNet)");
    }
    String some =
        sd.tensors().keySet().stream().limit(NAMES_SHOWN).collect(Collectors.joining(", "));
    throw new GpenException(
        weights
            + ": "
            + sd.description()
            + " with "
            + sd.size()
            + " tensors ("
            + some
            + (sd.size() > NAMES_SHOWN ? ", ..." : "")
            + ") is not a face embedding network:"
            + " expected ArcFace IR-SE50 (input_layer.*, body.*, output_layer.*, as in model_ir_se50.pth)"
            + " or MobileFaceNet (conv1.*, dw_conv.*, features.*, conv2.*, gdconv.*, conv3.*, bn.*, as in"
            + " mobilefacenet.pt)");
  }

  private static <N extends Module & FaceEmbedder> N loadInto(N net, StateDict sd, String what) {
    try {
      net.loadStateDict(sd, what, Set.of());
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /**
   * The face region the reference's IDLoss embeds, at 112×112: {@code x[:, :, 35s:-33s, 32s:-36s]}
   * with {@code s = H // 256}, then an adaptive average pool to 112×112. The offsets are those of
   * an FFHQ-aligned 256×256 face, scaled.
   *
   * <p>From 256 up this is exactly the reference. Below 256 the reference's {@code s} is 0 and its
   * slice {@code 0:-0} is empty (it fails); here the offsets are instead scaled by {@code H / 256}
   * as a real number and rounded, so a 64×64 face keeps rows 9..55 and columns 8..54, the same
   * region as at 256. Every GPEN size (64 to 2048, powers of two) thus crops the same part of the
   * face. Autograd flows through.
   *
   * @param x {@code [B, C, H, W]}; the offsets of both axes come from H, as in the reference
   * @throws IllegalArgumentException when the image is too small to leave a region
   */
  public static Tensor crop(Tensor x) {
    if (x.dim() != 4) {
      throw new IllegalArgumentException("crop needs [B, C, H, W], got " + Tensors.shapeString(x));
    }
    long h = x.size(2);
    long w = x.size(3);
    long top = offset(35, h);
    long bottom = offset(33, h);
    long left = offset(32, h);
    long right = offset(36, h);
    if (h - top - bottom < 1 || w - left - right < 1) {
      throw new IllegalArgumentException(
          "image " + h + "x" + w + " too small for the identity crop");
    }
    Tensor region = x.narrow(2, top, h - top - bottom).narrow(3, left, w - left - right);
    return torch.adaptive_avg_pool2d(region, INPUT_SIZE, INPUT_SIZE);
  }

  /**
   * The reference's offset {@code at256 · (H // 256)}, or {@code at256 · H / 256} rounded below
   * 256.
   */
  private static long offset(int at256, long h) {
    long s = h / 256;
    return s >= 1 ? at256 * s : Math.round(at256 * h / 256.0);
  }

  /**
   * The cosine similarity of each pair of rows: {@code [B, D]} and {@code [B, D]} give {@code [B]}.
   * For embeddings of {@link FaceEmbedder#embed} it is their dot product.
   */
  public static Tensor cosineSimilarity(Tensor a, Tensor b) {
    if (a.dim() != 2 || !java.util.Arrays.equals(Tensors.shape(a), Tensors.shape(b))) {
      throw new IllegalArgumentException(
          "cosine similarity needs two [B, D] tensors, got "
              + Tensors.shapeString(a)
              + " and "
              + Tensors.shapeString(b));
    }
    return torch.cosine_similarity(a, b, 1, 1e-8);
  }

  /** The reference's {@code l2_norm}: each row divided by its Euclidean norm. */
  static Tensor l2Normalize(Tensor x) {
    return x.div(
        torch.linalg_vector_norm(x, new Scalar(2), new long[] {1}, true, new ScalarTypeOptional()));
  }

  static void checkInput(Tensor faces, FaceEmbedder net) {
    long[] shape = Tensors.shape(faces);
    int side = net.inputSize();
    if (shape.length != 4 || shape[1] != 3 || shape[2] != side || shape[3] != side) {
      throw new IllegalArgumentException(
          net.name()
              + " embeds [B, 3, "
              + side
              + ", "
              + side
              + "] faces, got "
              + Tensors.shapeString(faces)
              + " (crop them with FaceEmbedders.crop)");
    }
  }
}
