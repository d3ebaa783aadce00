package io.gpen.workflow;

import io.gpen.BadParameter;
import io.gpen.image.Image;
import io.gpen.image.Images;
import io.gpen.image.OutputPaths;
import io.gpen.util.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The aligned face images a restoration reads, and where their results go: one image, or the images
 * directly in a folder without earlier outputs (sorted by name).
 */
final class InputImages {
  private final boolean folder;
  private final List<Path> files;
  private final OutputNaming naming;

  private InputImages(boolean folder, List<Path> files, OutputNaming naming) {
    this.folder = folder;
    this.files = files;
    this.naming = naming;
  }

  /**
   * Lists the inputs.
   *
   * @throws BadParameter naming {@code input} when it does not exist, or is a folder with no images
   *     but earlier outputs
   */
  static InputImages list(Path input, OutputNaming naming) {
    return list(input, naming, List.of());
  }

  /**
   * As {@link #list(Path, OutputNaming)}, names ending with one of {@code otherOutputs} (before the
   * extension) left out of a folder too: the other files the restoration writes (e.g. {@code
   * _masked}).
   */
  static InputImages list(Path input, OutputNaming naming, List<String> otherOutputs) {
    if (!Files.exists(input)) {
      throw BadParameter.of("input", input + ": no such file or folder");
    }
    if (!Files.isDirectory(input)) {
      return new InputImages(false, List.of(input), naming);
    }
    List<Path> all = new ArrayList<>();
    for (Path p : Images.list(input)) {
      String stem = OutputPaths.stem(p);
      if (!naming.isEarlierOutput(p) && otherOutputs.stream().noneMatch(stem::endsWith)) {
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      StringBuilder earlier = new StringBuilder(naming.earlierOutputsText());
      otherOutputs.forEach(o -> earlier.append(" or *").append(o));
      throw BadParameter.of(
          "input", input + ": no images to restore (only earlier " + earlier + " outputs)");
    }
    return new InputImages(true, List.copyOf(all), naming);
  }

  /** Whether the input is a folder. */
  boolean folder() {
    return folder;
  }

  /** The input images, in order. */
  List<Path> files() {
    return files;
  }

  /**
   * Checks that the results can be written, before any model loads.
   *
   * @param output the output folder or, for one image, file; null: beside each input
   */
  void requireWritable(Path output) {
    AtomicFiles.requireWritableFolder(outputFor(files.get(0), output).toAbsolutePath().getParent());
  }

  /** Where the restored image of {@code input} goes ({@link OutputPaths#forInput}). */
  Path outputFor(Path input, Path output) {
    return OutputPaths.forInput(input, folder, output, naming.suffix());
  }

  /**
   * Reads inputs {@code from} to {@code to} (exclusive); in a folder an unreadable image is
   * reported and skipped.
   */
  ImageChunk read(int from, int to, WorkflowListener listener) {
    return new ImageChunk(files.subList(from, to), from, folder, listener);
  }

  /**
   * Writes a restored face in its input's layout: its alpha plane, when it has one, resized to the
   * model size goes with it. Closes {@code restored}.
   */
  static void writeRestored(Path target, Mat restored, Image source, int size) {
    Mat alpha =
        source
            .alpha()
            .map(a -> Images.resize(a, size, size, opencv_imgproc.INTER_LINEAR))
            .orElse(null);
    try (Image out = new Image(restored, alpha)) {
      Images.write(target, out);
    }
  }
}
