package io.gpen.parse;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.image.Images;
import io.gpen.nn.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The paste mask GPEN draws from a face parsing, step by step as the reference does it ({@code
 * FaceParse.tenor2mask} then {@code FaceEnhancement.mask_postprocess}, then the resize in {@code
 * FaceEnhancement.process}):
 *
 * <ol>
 *   <li>{@link #labels}: the class of each pixel, the argmax of the logits (the first class wins a
 *       tie, as {@code torch.argmax});
 *   <li>{@link #faceRegion}: 1 where the class belongs to the face, 0 for background (0), hat (14)
 *       and cloth (18) — the reference's {@code MASK_COLORMAP} maps those three to 0 and the other
 *       sixteen (skin, nose, glasses, eyes, brows, ears, mouth, lips, hair, earring, necklace,
 *       neck) to 255, then divides by 255;
 *   <li>{@link #zeroBorder}: a 26-pixel frame set to 0;
 *   <li>{@link #blur}: a 101×101 Gaussian blur with σ 4, twice (in double precision, as the
 *       reference blurs its float64 array; OpenCV's default border, reflect-101);
 *   <li>converted to float and resized (bilinear) to the face model's size.
 * </ol>
 *
 * <p>The border and blur are in the parser's pixels, and the reference always parses at 512×512
 * ({@link #PARSE_SIZE}), whatever the face model's size: at 256 the mask's frame and blur are half
 * as wide once resized.
 */
public final class ParseMask {
  /** The side the reference resizes every face to before parsing ({@code FaceParse.size}). */
  public static final int PARSE_SIZE = 512;

  /** The zeroed frame ({@code mask_postprocess(thres=26)}). */
  public static final int BORDER = 26;

  /** The Gaussian kernel side and σ of each of the two blurs. */
  public static final int BLUR_KERNEL = 101;

  public static final double BLUR_SIGMA = 4;

  /**
   * The reference's {@code MASK_COLORMAP} divided by 255: whether each of the 19 CelebAMask-HQ
   * classes is pasted (0 background, 1 skin, 2 nose, 3 eyeglasses, 4/5 eyes, 6/7 brows, 8/9 ears,
   * 10 mouth, 11/12 lips, 13 hair, 14 hat, 15 earring, 16 necklace, 17 neck, 18 cloth).
   */
  private static final boolean[] PASTED = {
    false, true, true, true, true, true, true, true, true, true, true, true, true, true, false,
    true, true, true, false
  };

  private ParseMask() {}

  /**
   * Whether pixels of class {@code label} are pasted; classes past the 19 known ones are not (the
   * reference leaves them 0).
   */
  public static boolean isPasted(int label) {
    return label >= 0 && label < PASTED.length && PASTED[label];
  }

  /**
   * The class of each pixel: the argmax over the classes of {@code logits} [1, C, H, W] or [C, H,
   * W], as an H×W {@code CV_8U} matrix. The caller closes it (create it outside a {@code
   * PointerScope}, which would free it).
   */
  public static Mat labels(Tensor logits) {
    return argmax(logits).toMat();
  }

  /**
   * The argmax of {@code logits} as bytes, row by row: safe to take out of a {@code PointerScope}.
   */
  static LabelMap argmax(Tensor logits) {
    if (logits.dim() == 4 && logits.size(0) != 1 || logits.dim() != 3 && logits.dim() != 4) {
      throw new IllegalArgumentException(
          "logits must be [1, C, H, W] or [C, H, W], got " + Tensors.shapeString(logits));
    }
    Tensor chw = logits.dim() == 4 ? logits.select(0, 0) : logits;
    if (chw.size(0) > 256) {
      throw new IllegalArgumentException(
          "at most 256 classes fit 8-bit labels, got " + chw.size(0));
    }
    int h = (int) chw.size(1);
    int w = (int) chw.size(2);
    try (Tensor arg = torch.argmax(chw, new LongOptional(0), false);
        Tensor bytes = arg.to(ScalarType.Byte).contiguous()) {
      byte[] values = new byte[h * w];
      new BytePointer(bytes.data_ptr()).capacity(values.length).get(values);
      return new LabelMap(h, w, values);
    }
  }

  /** Labels held in Java memory. */
  record LabelMap(int height, int width, byte[] values) {
    Mat toMat() {
      Mat out = new Mat(height, width, CV_8U);
      out.data().capacity(values.length).asByteBuffer().put(values);
      return out;
    }
  }

  /**
   * 1.0 where the label is pasted ({@link #isPasted}), else 0.0: a {@code CV_64F} matrix of the
   * labels' size.
   */
  public static Mat faceRegion(Mat labels) {
    if (labels.empty() || labels.type() != CV_8U) {
      throw new IllegalArgumentException("labels must be a non-empty CV_8U matrix");
    }
    byte[] table = new byte[256];
    for (int i = 0; i < table.length; i++) {
      table[i] = (byte) (isPasted(i) ? 1 : 0);
    }
    try (BytePointer values = new BytePointer(table);
        Mat lut = new Mat(1, 256, CV_8U, values);
        Mat ones = new Mat()) {
      opencv_core.LUT(labels, lut, ones);
      Mat out = new Mat();
      ones.convertTo(out, CV_64F);
      return out;
    }
  }

  /**
   * Sets a frame of {@code border} pixels of {@code mask} to 0, in place, as the reference's four
   * slice assignments ({@code mask[:b, :] = 0; mask[-b:, :] = 0; ...}); a frame wider than the mask
   * clears all of it.
   */
  public static void zeroBorder(Mat mask, int border) {
    int h = mask.rows();
    int w = mask.cols();
    int bh = Math.min(Math.max(0, border), h);
    int bw = Math.min(Math.max(0, border), w);
    if (bh == 0 || bw == 0) {
      return;
    }
    clear(mask, new Rect(0, 0, w, bh));
    clear(mask, new Rect(0, h - bh, w, bh));
    clear(mask, new Rect(0, 0, bw, h));
    clear(mask, new Rect(w - bw, 0, bw, h));
  }

  private static void clear(Mat mask, Rect r) {
    try (r;
        Mat part = new Mat(mask, r);
        Scalar zero = Scalar.all(0)) {
      part.put(zero);
    }
  }

  /** The two Gaussian blurs (101×101, σ 4), in place. */
  public static void blur(Mat mask) {
    try (Size k = new Size(BLUR_KERNEL, BLUR_KERNEL)) {
      opencv_imgproc.GaussianBlur(mask, mask, k, BLUR_SIGMA);
      opencv_imgproc.GaussianBlur(mask, mask, k, BLUR_SIGMA);
    }
  }

  /**
   * The reference's post-processing of a 0/1 region (any size, usually {@link #PARSE_SIZE}): border
   * zeroed, blurred twice, as float, resized bilinearly to {@code modelSize}×{@code modelSize}.
   * Returns a new {@code CV_32F} matrix in [0, 1]; {@code region} is not modified.
   */
  public static Mat postprocess(Mat region, int modelSize) {
    if (modelSize < 1) {
      throw new IllegalArgumentException("model size must be positive, got " + modelSize);
    }
    try (Mat m = new Mat()) {
      region.convertTo(m, CV_64F);
      zeroBorder(m, BORDER);
      blur(m);
      Mat f = new Mat();
      m.convertTo(f, CV_32F);
      if (f.rows() == modelSize && f.cols() == modelSize) {
        return f; // cv2.resize to the same size copies
      }
      try (f) {
        return Images.resize(f, modelSize, modelSize, INTER_LINEAR);
      }
    }
  }

  /** {@link #postprocess} of the {@link #faceRegion} of {@code labels}. */
  public static Mat fromLabels(Mat labels, int modelSize) {
    try (Mat region = faceRegion(labels)) {
      return postprocess(region, modelSize);
    }
  }

  /**
   * The whole chain from the parser's logits [1, C, H, W] to the paste mask at {@code modelSize}.
   */
  public static Mat fromLogits(Tensor logits, int modelSize) {
    try (Mat labels = labels(logits)) {
      return fromLabels(labels, modelSize);
    }
  }
}
