package io.gpen.parse;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.GpenException;
import io.gpen.image.Images;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * Parses restored faces with a {@link ParseNet} and turns the parsing into GPEN's paste mask, as
 * the reference's {@code FaceParse.process} and {@code FaceEnhancement.mask_postprocess}: the face
 * is resized (bilinear) to 512×512, fed as RGB in [-1, 1] ({@code v / 255 * 2 - 1}, computed in
 * double and rounded to float as the reference's NumPy code does), and the argmax of the mask head
 * is post-processed by {@link ParseMask}.
 *
 * <p>The 512 is the reference's fixed parsing size, not a property of the network: ParseNet is
 * fully convolutional, so a parser built for another size (such as the 64×64 test network) also
 * parses at 512. The network runs on the CPU without gradient tracking.
 *
 * <p>One parser may be shared by several threads: calls run one at a time. Close it to free the
 * weights.
 */
public final class FaceParser implements AutoCloseable {
  /** The input value of each 8-bit level: {@code v / 255. * 2 - 1} in float64, then float32. */
  private static final float[] LEVELS = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      LEVELS[v] = (float) (v / 255.0 * 2 - 1);
    }
  }

  private final ParseNet net;
  private final String description;
  private final Precision precision;
  private boolean closed;

  /** A parser running {@code net}, which it owns from now on (closing the parser closes it). */
  public FaceParser(ParseNet net, String description) {
    this(net, description, Precision.FP32);
  }

  /**
   * A parser running {@code net} in {@code precision} (its weights converted now), which it owns
   * from now on (closing the parser closes it); its description ends with the precision where that
   * is not fp32 ({@link Precision#descriptionSuffix}). In bf16 the whole network runs in bfloat16;
   * classes whose scores are nearly tied may come out otherwise than in fp32.
   */
  public FaceParser(ParseNet net, String description, Precision precision) {
    if (precision != Precision.FP32) {
      net.convert(precision.scalarType());
    }
    this.net = net;
    this.description = description + precision.descriptionSuffix();
    this.precision = precision;
  }

  /**
   * Loads a ParseNet checkpoint ({@link ParseNet#load}): GPEN's {@code ParseNet-latest.pth},
   * facexlib's {@code parsing_parsenet.pth} or any ParseNet.
   *
   * @throws GpenException naming the file when it cannot be read, holds no ParseNet, or its tensors
   *     do not fit the network they describe
   */
  public static FaceParser load(Path weights) {
    return load(weights, Precision.FP32);
  }

  /** Loads a ParseNet checkpoint as {@link #load(Path)} to run in {@code precision}. */
  public static FaceParser load(Path weights, Precision precision) {
    ParseNet net = ParseNet.load(weights);
    return new FaceParser(net, net.describe() + " from " + weights, precision);
  }

  public String description() {
    return description;
  }

  public ParseNet network() {
    return net;
  }

  /**
   * The network input for an 8-bit BGR face of any size: resized to {@link ParseMask#PARSE_SIZE}
   * (bilinear; not at all when it has that size), as [1, 3, 512, 512] RGB in [-1, 1].
   */
  public static Tensor input(Mat bgr) {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("face must be a non-empty CV_8UC3 matrix");
    }
    int size = ParseMask.PARSE_SIZE;
    boolean resize = bgr.cols() != size || bgr.rows() != size;
    Mat src = resize ? Images.resize(bgr, size, size, INTER_LINEAR) : bgr;
    try {
      int plane = size * size;
      float[] chw = new float[3 * plane];
      long step = src.step();
      ByteBuffer px = src.data().capacity((size - 1) * step + 3L * size).asByteBuffer();
      for (int y = 0, o = 0; y < size; y++) {
        int i = (int) (y * step);
        for (int x = 0; x < size; x++, o++, i += 3) {
          chw[2 * plane + o] = LEVELS[px.get(i) & 0xff];
          chw[plane + o] = LEVELS[px.get(i + 1) & 0xff];
          chw[o] = LEVELS[px.get(i + 2) & 0xff];
        }
      }
      return Tensors.fromFloats(chw, 1, 3, size, size);
    } finally {
      if (resize) {
        src.close();
      }
    }
  }

  /**
   * The parsing of an 8-bit BGR face: the class of each pixel ({@link ParseMask#labels}) at the
   * network's output size for a 512×512 input (512×512 for every released parser), {@code CV_8U}.
   * The caller closes it.
   */
  public synchronized Mat labels(Mat bgrFace) {
    if (closed) {
      throw new IllegalStateException("face parser is closed");
    }
    ParseMask.LabelMap labels;
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      // channels-last: the layout oneDNN's convolutions run fastest on the CPU
      Tensor x = input(bgrFace);
      if (precision != Precision.FP32) {
        x = x.to(precision.scalarType());
      }
      labels = ParseMask.argmax(net.mask(x.contiguous(MemoryFormat.ChannelsLast)));
    }
    // made outside the scope, which would free it
    return labels.toMat();
  }

  /**
   * The paste mask of a restored face, as the reference computes it for {@code FaceEnhancement}:
   * parsing at 512, face classes 1, background/hat/cloth 0, a 26-pixel frame zeroed, two Gaussian
   * blurs (101×101, σ 4), resized bilinearly to {@code modelSize}. Returns a new {@code CV_32F}
   * {@code modelSize}×{@code modelSize} matrix in [0, 1], aligned with the face crop; warping it
   * back into the photo is the paste-back's job.
   *
   * @param bgrFace the restored face, 8-bit BGR, any size (usually {@code modelSize})
   * @param modelSize the side of the face model's crops (the reference's {@code in_size})
   */
  public Mat pasteMask(Mat bgrFace, int modelSize) {
    try (Mat labels = labels(bgrFace)) {
      return ParseMask.fromLabels(labels, modelSize);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      net.close();
    }
  }
}
