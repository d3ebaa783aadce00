package io.gpen.eval;

import io.gpen.GpenException;
import io.gpen.data.FaceDataset;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * How many images of a set are not already of a given square size, and so get resized to it.
 *
 * <p>Dimensions come from the file headers through {@code javax.imageio} (PNG, JPEG, BMP, TIFF),
 * which reads no pixels; a file it cannot read (WebP) is decoded with OpenCV instead. EXIF
 * orientation does not matter here: it turns a square into the same square.
 */
public final class SourceSizes {
  private SourceSizes() {}

  /**
   * How many files of {@code data} are not of its resolution, so that {@link FaceDataset#read}
   * resizes them; unreadable files are not counted (the loader reports them).
   */
  public static int countResized(FaceDataset data) {
    List<Path> files = new ArrayList<>(data.count());
    for (int i = 0; i < data.count(); i++) {
      files.add(data.root().resolve(data.name(i)));
    }
    return countResized(files, data.resolution());
  }

  /** How many of {@code files} are not size×size; unreadable files are not counted. */
  public static int countResized(List<Path> files, int size) {
    int count = 0;
    for (Path file : files) {
      long[] wh = dimensions(file);
      if (wh != null && (wh[0] != size || wh[1] != size)) {
        count++;
      }
    }
    return count;
  }

  /** Width and height of an image file, or null when it cannot be read. */
  static long[] dimensions(Path file) {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in != null) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (readers.hasNext()) {
          ImageReader reader = readers.next();
          try {
            reader.setInput(in, true, true);
            return new long[] {reader.getWidth(0), reader.getHeight(0)};
          } finally {
            reader.dispose();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // an unusual header javax.imageio rejects: OpenCV, which reads the pixels, decides below
    }
    try (Image image = Images.read(file)) {
      return new long[] {image.bgr().cols(), image.bgr().rows()};
    } catch (GpenException e) {
      return null;
    }
  }
}
