package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_core.CMP_GT;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.api.FaceRestorer;
import io.gpen.image.Images;
import io.gpen.parse.FaceParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Restores the faces of a photo and pastes them back, as GPEN's {@code FaceEnhancement.process}:
 * each detected face is aligned to the template, all faces go through the restorer in one call
 * (which batches), and each restored face is warped back under a soft mask.
 *
 * <p>With a {@link FaceParser}, each face's mask is the reference's: the raw restored face (before
 * the smoothing and the alpha blend below) is parsed, its face classes kept, a 26-px border zeroed,
 * blurred twice and resized to the model size ({@link FaceParser#pasteMask}). Without one it is the
 * rectangle mask the reference also builds: a 512×512 square of ones with a 26-px border zeroed,
 * Gaussian-blurred twice (101×101, σ 4), resized to the model size. Because the reference designs
 * either mask at 512 and resizes it, border and blur scale with the model size (13 px and σ 2 at
 * 256). Either mask is warped back into the photo with the face (bilinear).
 *
 * <p>Before pasting, faces whose box is under 100 px on its shorter side are smoothed with the 3×3
 * binomial filter, and the restoration is blended with the aligned crop by {@code alpha}.
 * Overlapping faces are composed by the stronger mask; the result is {@code background·(1−M) +
 * faces·M}, rounded and saturated to 8 bits, where the background is the photo itself or, with
 * super-resolution, the super-resolved photo ({@link #enhance(Mat, Mat, List)}). Outside every mask
 * the background is unchanged.
 *
 * <p>Not thread-safe. Close it to free the cached masks (the parser is the caller's to close).
 */
public final class FaceEnhancer implements AutoCloseable {
  /** Side of the reference mask, and its zeroed border, blur kernel and σ. */
  static final int MASK_SIDE = 512;

  static final int MASK_BORDER = 26;
  static final int MASK_BLUR_KERNEL = 101;
  static final double MASK_BLUR_SIGMA = 4;

  /** Faces with a shorter box side than this are smoothed before pasting. */
  static final double SMALL_FACE = 100;

  private final FaceRestorer restorer;
  private final double alpha;

  /** Pixels composed at a time (75 bytes each in float images). */
  private static final int COMPOSE_BAND_PIXELS = 1 << 20;

  /** The parser whose masks paste the faces, or null for the rectangle mask. */
  private final FaceParser parser;

  private final Map<Integer, Mat> masks = new HashMap<>();

  /**
   * A paste-back under the rectangle mask.
   *
   * @param alpha weight of the restoration against the aligned crop, 0 to 1 (1: restoration only)
   */
  public FaceEnhancer(FaceRestorer restorer, double alpha) {
    this(restorer, alpha, null);
  }

  /**
   * A paste-back under the masks {@code parser} draws from each restored face; a null parser gives
   * the rectangle mask. The enhancer uses the restorer and the parser without owning them.
   *
   * @param alpha weight of the restoration against the aligned crop, 0 to 1 (1: restoration only)
   */
  public FaceEnhancer(FaceRestorer restorer, double alpha, FaceParser parser) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be between 0 and 1, got " + alpha);
    }
    this.restorer = restorer;
    this.alpha = alpha;
    this.parser = parser;
  }

  /** The model size of the restorer. */
  public int size() {
    return restorer.size();
  }

  /** One face of a processed photo: its detection, aligned crop and raw restoration. */
  public record Face(DetectedFace detection, Mat aligned, Mat restored) {}

  /** A processed photo and its faces; owns every image in it. */
  public static final class Result implements AutoCloseable {
    private final Mat image;
    private final Mat mask;
    private final List<Face> faces;
    private final int skipped;

    Result(Mat image, Mat mask, List<Face> faces, int skipped) {
      this.image = image;
      this.mask = mask;
      this.faces = Collections.unmodifiableList(faces);
      this.skipped = skipped;
    }

    /** The photo with its faces restored, 8-bit BGR, the input's size. */
    public Mat image() {
      return image;
    }

    /**
     * The paste mask M ({@code CV_32F}, the input's size, 0 to 1): how much of each pixel comes
     * from the restored faces. Where it is 0 the photo is unchanged.
     */
    public Mat mask() {
      return mask;
    }

    /** The faces pasted, in detection order. */
    public List<Face> faces() {
      return faces;
    }

    /** Detected faces left out because their landmarks determine no alignment (degenerate). */
    public int skipped() {
      return skipped;
    }

    @Override
    public void close() {
      image.close();
      mask.close();
      for (Face f : faces) {
        f.aligned().close();
        f.restored().close();
      }
    }
  }

  /**
   * Restores the given faces of an 8-bit BGR photo; the photo is not modified. With no faces the
   * result is a copy of the photo.
   */
  public Result enhance(Mat bgr, List<DetectedFace> detections) {
    return enhance(bgr, bgr, detections);
  }

  /**
   * Restores the given faces of an 8-bit BGR photo and pastes them onto {@code background}, an
   * image of the photo's size (the reference's {@code --use_sr}: the faces come from the photo
   * resized to the super-resolved size, the background is the super-resolved photo). Neither is
   * modified; the result is {@code background·(1−M) + faces·M}, a copy of the background where no
   * face is pasted.
   */
  public Result enhance(Mat bgr, Mat background, List<DetectedFace> detections) {
    if (bgr.empty() || bgr.type() != CV_8UC3 || background.type() != CV_8UC3) {
      throw new IllegalArgumentException("image and background must be non-empty CV_8UC3 matrices");
    }
    if (background.cols() != bgr.cols() || background.rows() != bgr.rows()) {
      throw new IllegalArgumentException(
          "background is "
              + background.cols()
              + "x"
              + background.rows()
              + ", the image "
              + bgr.cols()
              + "x"
              + bgr.rows()
              + "; they must have one size");
    }
    int size = restorer.size();
    List<DetectedFace> kept = new ArrayList<>();
    List<double[]> transforms = new ArrayList<>();
    List<Mat> crops = new ArrayList<>();
    int skipped = 0;
    for (DetectedFace d : detections) {
      double[] m;
      try {
        m = FaceAlignment.transform(d, size);
      } catch (IllegalArgumentException degenerate) {
        skipped++;
        continue;
      }
      kept.add(d);
      transforms.add(m);
      crops.add(FaceAlignment.crop(bgr, m, size));
    }
    List<Mat> restored;
    try {
      restored = crops.isEmpty() ? List.of() : restorer.restore(crops);
    } catch (RuntimeException e) {
      crops.forEach(Mat::close);
      throw e;
    }
    List<Face> faces = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      faces.add(new Face(kept.get(i), crops.get(i), restored.get(i)));
    }
    Mat fullMask = new Mat(bgr.rows(), bgr.cols(), CV_32F, Scalar.all(0));
    try {
      Mat out =
          faces.isEmpty() ? background.clone() : paste(background, faces, transforms, fullMask);
      return new Result(out, fullMask, faces, skipped);
    } catch (RuntimeException e) {
      fullMask.close();
      faces.forEach(
          f -> {
            f.aligned().close();
            f.restored().close();
          });
      throw e;
    }
  }

  /**
   * Pastes faces that the caller aligned ({@link FaceAlignment}) and restored itself, for instance
   * in batches across the frames of a video, onto a copy of an 8-bit BGR photo, as {@link #enhance}
   * pastes the faces it restores: each face goes back by the alignment of its detection's
   * landmarks. The result takes over the faces' images.
   */
  public Result paste(Mat bgr, List<Face> faces) {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    List<double[]> transforms = new ArrayList<>();
    for (Face f : faces) {
      transforms.add(FaceAlignment.transform(f.detection(), restorer.size()));
    }
    Mat fullMask = new Mat(bgr.rows(), bgr.cols(), CV_32F, Scalar.all(0));
    Mat out = faces.isEmpty() ? bgr.clone() : paste(bgr, faces, transforms, fullMask);
    return new Result(out, fullMask, new ArrayList<>(faces), 0);
  }

  /**
   * Restores an already aligned face (the reference's {@code --aligned}): resized to the model
   * size, restored, blended with the resized input by alpha. Returns a new size×size image.
   */
  public Mat enhanceAligned(Mat face) {
    int size = restorer.size();
    Mat input =
        face.cols() == size && face.rows() == size
            ? face
            : Images.resize(face, size, size, INTER_LINEAR);
    try {
      Mat restored = restorer.restore(List.of(input)).get(0);
      if (alpha == 1) {
        return restored;
      }
      try (restored) {
        return blend(restored, input);
      }
    } finally {
      if (input != face) {
        input.close();
      }
    }
  }

  private Mat blend(Mat restored, Mat crop) {
    Mat out = new Mat();
    opencv_core.addWeighted(restored, alpha, crop, 1 - alpha, 0, out);
    return out;
  }

  /**
   * Pastes the faces onto a copy of the background, composing their masks into {@code fullMask}.
   */
  private Mat paste(Mat background, List<Face> faces, List<double[]> transforms, Mat fullMask) {
    int size = restorer.size();
    try (Mat fullFaces = new Mat(background.rows(), background.cols(), CV_8UC3, Scalar.all(0))) {
      for (int i = 0; i < faces.size(); i++) {
        Face face = faces.get(i);
        if (parser == null) {
          pasteOne(face, transforms.get(i), mask(size), fullMask, fullFaces, size);
        } else {
          try (Mat parsed = parser.pasteMask(face.restored(), size)) {
            pasteOne(face, transforms.get(i), parsed, fullMask, fullFaces, size);
          }
        }
      }
      return compose(background, fullFaces, fullMask);
    }
  }

  /** Warps one face and its mask back and keeps them where its mask beats the ones so far. */
  private void pasteOne(
      Face face, double[] transform, Mat mask, Mat fullMask, Mat fullFaces, int size) {
    double[] inverse = Umeyama.invert(transform);
    // Only the part of the photo the crop maps onto can change: warp into that rectangle (plus a
    // pixel of bilinear spill each side) instead of the whole photo.
    double[] corners = Umeyama.apply(inverse, new double[] {0, 0, size, 0, 0, size, size, size});
    double minX = Double.MAX_VALUE,
        minY = Double.MAX_VALUE,
        maxX = -Double.MAX_VALUE,
        maxY = -Double.MAX_VALUE;
    for (int k = 0; k < corners.length; k += 2) {
      minX = Math.min(minX, corners[k]);
      maxX = Math.max(maxX, corners[k]);
      minY = Math.min(minY, corners[k + 1]);
      maxY = Math.max(maxY, corners[k + 1]);
    }
    int x0 = (int) Math.max(0, Math.floor(minX) - 2);
    int y0 = (int) Math.max(0, Math.floor(minY) - 2);
    int x1 = (int) Math.min(fullMask.cols(), Math.ceil(maxX) + 2);
    int y1 = (int) Math.min(fullMask.rows(), Math.ceil(maxY) + 2);
    if (x1 <= x0 || y1 <= y0) {
      return;
    }
    double[] local = inverse.clone();
    local[2] -= x0;
    local[5] -= y0;
    Mat ef = face.restored();
    Mat smoothed = null;
    if (Math.min(face.detection().width(), face.detection().height()) < SMALL_FACE) {
      smoothed = smallFaceFilter(ef);
      ef = smoothed;
    }
    try (Mat blended = blend(ef, face.aligned());
        Mat faceBack = FaceAlignment.warp(blended, local, x1 - x0, y1 - y0);
        Mat maskBack = FaceAlignment.warp(mask, local, x1 - x0, y1 - y0);
        Rect roi = new Rect(x0, y0, x1 - x0, y1 - y0);
        Mat maskRoi = new Mat(fullMask, roi);
        Mat facesRoi = new Mat(fullFaces, roi);
        Mat stronger = new Mat()) {
      opencv_core.compare(maskBack, maskRoi, stronger, CMP_GT);
      maskBack.copyTo(maskRoi, stronger);
      faceBack.copyTo(facesRoi, stronger);
    } finally {
      if (smoothed != null) {
        smoothed.close();
      }
    }
  }

  /** The reference's smoothing of small faces: the 3×3 kernel [1,2,1]ᵀ[1,2,1]/16. */
  private static Mat smallFaceFilter(Mat face) {
    Mat out = new Mat();
    float[] k = {1 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 4 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 1 / 16f};
    try (FloatPointer values = new FloatPointer(k);
        Mat kernel = new Mat(3, 3, CV_32F, values);
        Point anchor = new Point(-1, -1)) {
      opencv_imgproc.filter2D(face, out, -1, kernel, anchor, 0, opencv_core.BORDER_REFLECT_101);
    }
    return out;
  }

  /** photo·(1−M) + faces·M in float, then rounded and saturated (convertScaleAbs). */
  private static Mat compose(Mat bgr, Mat faces, Mat mask) {
    return compose(bgr, faces, mask, COMPOSE_BAND_PIXELS);
  }

  /**
   * {@code bgr·(1−mask) + faces·mask} in bands of about {@code bandPixels}: the float images of a
   * whole photo take 75 bytes a pixel (3.7 GB at 50 megapixels); each pixel's arithmetic is the
   * same whatever the band.
   */
  static Mat compose(Mat bgr, Mat faces, Mat mask, int bandPixels) {
    Mat out = new Mat(bgr.rows(), bgr.cols(), bgr.type());
    int bandRows = Math.max(1, bandPixels / Math.max(1, bgr.cols()));
    for (int y = 0; y < bgr.rows(); y += bandRows) {
      try (Rect band = new Rect(0, y, bgr.cols(), Math.min(bandRows, bgr.rows() - y));
          Mat bgrBand = new Mat(bgr, band);
          Mat facesBand = new Mat(faces, band);
          Mat maskBand = new Mat(mask, band);
          Mat outBand = new Mat(out, band)) {
        composeBand(bgrBand, facesBand, maskBand, outBand);
      }
    }
    return out;
  }

  /** {@code out = convertScaleAbs(bgr·(1−mask) + faces·mask)} for one band of rows. */
  private static void composeBand(Mat bgr, Mat faces, Mat mask, Mat out) {
    try (Mat photoF = new Mat();
        Mat facesF = new Mat();
        Mat mask3 = new Mat();
        Mat inverse3 = new Mat();
        MatVector planes = new MatVector(mask, mask, mask);
        Mat sum = new Mat()) {
      bgr.convertTo(photoF, CV_32FC3);
      faces.convertTo(facesF, CV_32FC3);
      opencv_core.merge(planes, mask3);
      try (Scalar one = Scalar.all(1);
          Mat ones = new Mat(mask3.rows(), mask3.cols(), CV_32FC3, one)) {
        opencv_core.subtract(ones, mask3, inverse3);
      }
      opencv_core.multiply(photoF, inverse3, photoF);
      opencv_core.multiply(facesF, mask3, facesF);
      opencv_core.add(photoF, facesF, sum);
      opencv_core.convertScaleAbs(sum, out);
    }
  }

  /** The paste mask for a model size (cached). */
  Mat mask(int size) {
    return masks.computeIfAbsent(size, FaceEnhancer::buildMask);
  }

  /** Ones with a zero border, blurred twice, at 512; then resized to {@code size}. */
  static Mat buildMask(int size) {
    Mat m = new Mat(MASK_SIDE, MASK_SIDE, CV_32F, Scalar.all(0));
    int inner = MASK_SIDE - 2 * MASK_BORDER;
    try (Rect r = new Rect(MASK_BORDER, MASK_BORDER, inner, inner);
        Mat centre = new Mat(m, r);
        Scalar one = Scalar.all(1);
        Size k = new Size(MASK_BLUR_KERNEL, MASK_BLUR_KERNEL)) {
      centre.put(one);
      opencv_imgproc.GaussianBlur(m, m, k, MASK_BLUR_SIGMA);
      opencv_imgproc.GaussianBlur(m, m, k, MASK_BLUR_SIGMA);
    }
    if (size == MASK_SIDE) {
      return m;
    }
    try (m) {
      return Images.resize(m, size, size, INTER_LINEAR);
    }
  }

  @Override
  public void close() {
    masks.values().forEach(Mat::close);
    masks.clear();
  }
}
