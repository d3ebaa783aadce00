package io.gpen.data;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;

import io.gpen.GpenException;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A folder of face images (searched recursively, sorted by path) read at one square resolution, as
 * the official {@code FaceDataset}: {@code cv2.imread} colour, then {@code cv2.resize} to size×size
 * with {@code INTER_AREA}. Non-square images are stretched, as there.
 *
 * <p>Immutable and safe to read from several threads.
 */
public final class FaceDataset {
  private final Path root;
  private final int resolution;
  private final List<Path> files;

  private FaceDataset(Path root, int resolution, List<Path> files) {
    this.root = root;
    this.resolution = resolution;
    this.files = files;
  }

  /**
   * Lists the images of {@code dir} and below it ({@link Images#list(Path, boolean)}).
   *
   * @throws GpenException naming the folder when it is missing or holds no image
   * @throws IllegalArgumentException when {@code resolution} is not 1 to 4096
   */
  public static FaceDataset open(Path dir, int resolution) {
    if (resolution < 1 || resolution > 4096) {
      throw new IllegalArgumentException("resolution must be 1 to 4096, got " + resolution);
    }
    return new FaceDataset(dir, resolution, Images.list(dir, true));
  }

  /** The folder. */
  public Path root() {
    return root;
  }

  /** The side of every image this dataset gives. */
  public int resolution() {
    return resolution;
  }

  /** How many image files the folder holds (readable or not). */
  public int count() {
    return files.size();
  }

  /** The path of file {@code index} relative to the folder, with '/' between parts. */
  public String name(int index) {
    Path rel = root.relativize(files.get(index));
    StringBuilder sb = new StringBuilder();
    for (Path part : rel) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /**
   * File {@code index} as 8-bit BGR, resized to resolution×resolution with area interpolation
   * (alpha dropped, as {@code IMREAD_COLOR} does). The caller closes the result.
   *
   * @throws GpenException naming the file when it cannot be read
   */
  public Mat read(int index) {
    try (Image image = Images.read(files.get(index))) {
      return atResolution(image, resolution);
    }
  }

  /**
   * An image as {@link #read} gives it from its file, for images read elsewhere (e.g. from a Hadoop
   * file system): 8-bit BGR resized to resolution×resolution with area interpolation, alpha
   * dropped. The caller closes the result.
   */
  public static Mat atResolution(Image image, int resolution) {
    return Images.resize(image.bgr(), resolution, resolution, INTER_AREA);
  }
}
