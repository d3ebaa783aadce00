package io.gpen.image;

import io.gpen.GpenException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a workflow writes the result for an input image: beside it, into a folder, or a named file.
 */
public final class OutputPaths {
  private OutputPaths() {}

  /** The file name without its extension. */
  public static String stem(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /**
   * The result file for {@code input}: {@code <stem><suffix>.png} beside it when {@code output} is
   * null, in {@code output} when that is a folder (an existing one, or a name without an
   * extension), or {@code output} itself when a single input's output names an image file.
   *
   * @param folder whether the input came from a folder (its outputs always go into a folder)
   * @throws GpenException when a single input's output has an extension that is not an image type
   *     (it would otherwise become a folder of that name)
   */
  public static Path forInput(Path input, boolean folder, Path output, String suffix) {
    String name = stem(input) + suffix + ".png";
    if (output == null) {
      return input.toAbsolutePath().resolveSibling(name);
    }
    if (folder || Files.isDirectory(output)) {
      return output.resolve(name);
    }
    if (Images.isImageName(output)) {
      return output;
    }
    if (stem(output).equals(output.getFileName().toString())) {
      return output.resolve(name);
    }
    throw new GpenException(
        "output "
            + output
            + ": neither a folder nor an image file name (."
            + String.join(", .", Images.EXTENSIONS)
            + ")");
  }
}
