package io.gpen.video;

import io.gpen.GpenException;
import io.gpen.image.OutputPaths;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Which files are videos: by extension, as a folder is listed (FFmpeg reads each by its content).
 */
public final class VideoFiles {
  /** File name extensions taken as videos when listing a folder (compared case-insensitively). */
  public static final List<String> EXTENSIONS =
      List.of(
          "mp4", "m4v", "mov", "mkv", "webm", "avi", "wmv", "flv", "mpg", "mpeg", "ts", "mts",
          "m2ts", "3gp", "ogv", "vob", "mxf");

  private VideoFiles() {}

  /** Whether the file name has one of the {@link #EXTENSIONS} (any case). */
  public static boolean isVideoName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * The videos directly inside {@code dir}, sorted by name, leaving out hidden files (temporary
   * files of a run in progress among them) and names whose stem ends with {@code excludedSuffix}
   * (earlier outputs); possibly none.
   *
   * @throws GpenException naming the folder when it cannot be listed
   */
  public static List<Path> list(Path dir, String excludedSuffix) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(
              p ->
                  Files.isRegularFile(p)
                      && isVideoName(p)
                      && !p.getFileName().toString().startsWith("."))
          .filter(p -> !OutputPaths.stem(p).endsWith(excludedSuffix))
          .sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      Exception cause = e instanceof UncheckedIOException u ? u.getCause() : (Exception) e;
      throw new GpenException("cannot list videos in " + dir + ": " + AtomicFiles.reason(cause), e);
    }
  }
}
