package io.gpen.identity;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * A face recognition network that maps aligned face crops to identity embeddings, used by the
 * training identity loss and by the evaluation's identity similarity.
 *
 * <p>Input: {@code [B, 3, 112, 112]} RGB in [-1, 1], the GPEN convention (use {@link
 * FaceEmbedders#crop(Tensor)} to get there from a GPEN-sized face). Output: {@code [B, D]}, each
 * row of unit L2 norm, so that the dot product of two rows is their cosine similarity.
 *
 * <p>The network is frozen and always evaluates as in PyTorch's {@code eval()} mode (batch norms
 * use their running statistics, dropout is off), but autograd flows through {@link #embed} to its
 * input: the identity loss backpropagates into the generator's output.
 */
public interface FaceEmbedder extends AutoCloseable {
  /** The side of the square input, 112 for both networks. */
  int inputSize();

  /** The length of an embedding: 512 (ArcFace IR-SE50) or 128 (MobileFaceNet). */
  int dimension();

  /** The network, for messages and reports, e.g. "ArcFace IR-SE50". */
  String name();

  /**
   * The L2-normalised embeddings of {@code faces} ({@code [B, 3, 112, 112]}, RGB in [-1, 1], on the
   * network's device), as {@code [B, dimension()]}.
   *
   * @throws IllegalArgumentException when the input has another shape
   */
  Tensor embed(Tensor faces);

  /** Moves the weights to {@code device}. */
  void to(Device device);

  /** Releases the native memory of the weights. */
  @Override
  void close();
}
