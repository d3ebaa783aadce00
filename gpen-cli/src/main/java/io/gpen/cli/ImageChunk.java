package io.gpen.cli;

import io.gpen.GpenException;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The readable images of one batch of input files. In a folder an unreadable file is skipped with
 * a warning (the command reports the count and exits 1 at the end); a single file fails at once.
 */
final class ImageChunk implements AutoCloseable {
  final List<Image> images = new ArrayList<>();
  final List<Path> sources = new ArrayList<>();
  /** Position of each read image in the command's sorted input list. */
  final List<Integer> positions = new ArrayList<>();
  final int skipped;

  /**
   * @param first position of {@code paths.get(0)} in the sorted input list
   * @param command the command's name, for warnings
   */
  ImageChunk(List<Path> paths, int first, boolean folder, String command, PrintWriter err) {
    int failed = 0;
    try {
      for (int k = 0; k < paths.size(); k++) {
        Path p = paths.get(k);
        try {
          images.add(Images.read(p));
          sources.add(p);
          positions.add(first + k);
        } catch (GpenException e) {
          if (!folder) {
            throw e;
          }
          err.println("gpen " + command + ": warning: skipped " + e.getMessage());
          failed++;
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.skipped = failed;
  }

  /** The colour planes, in order (owned by the images). */
  List<Mat> bgr() {
    List<Mat> faces = new ArrayList<>();
    for (Image im : images) {
      faces.add(im.bgr());
    }
    return faces;
  }

  @Override
  public void close() {
    images.forEach(Image::close);
  }
}
