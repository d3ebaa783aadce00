package io.gpen.workflow;

import io.gpen.GpenException;
import io.gpen.image.Image;
import io.gpen.image.Images;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The readable images of one batch of input files. In a folder an unreadable file is reported as a
 * warning and skipped (the workflow counts it); a single file fails at once.
 */
final class ImageChunk implements AutoCloseable {
  final List<Image> images = new ArrayList<>();
  final List<Path> sources = new ArrayList<>();

  /** Position of each read image in the sorted input list. */
  final List<Integer> positions = new ArrayList<>();

  final int skipped;

  /**
   * @param first position of {@code paths.get(0)} in the sorted input list
   * @param folder whether the inputs come from a folder (an unreadable one is then skipped)
   */
  ImageChunk(List<Path> paths, int first, boolean folder, WorkflowListener listener) {
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
          listener.warning("skipped " + e.getMessage());
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

  /** The file names of the read images, in order. */
  List<String> names() {
    return sources.stream().map(p -> p.getFileName().toString()).toList();
  }

  @Override
  public void close() {
    images.forEach(Image::close);
  }
}
