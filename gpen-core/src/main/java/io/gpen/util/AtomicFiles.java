package io.gpen.util;

import io.gpen.GpenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a reader never sees a half-written one: the content goes to a temporary
 * sibling (same directory, same extension, so format-by-extension writers such as OpenCV's still
 * work) which is then renamed over the target.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes one file at a path it is given. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(Path temp) throws IOException;
  }

  /**
   * Runs {@code writer} on a temporary sibling of {@code target}, then moves it into place. The
   * parent directory is created when missing. On any failure the temporary file is removed and a
   * {@link GpenException} names the target.
   */
  public static void write(Path target, Writer writer) {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GpenException("cannot create output folder " + dir + ": " + reason(e), e);
    }
    Path temp = tempSibling(abs);
    try {
      writer.writeTo(temp);
      if (!Files.exists(temp)) {
        throw new IOException("nothing was written");
      }
      try {
        Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      if (e instanceof GpenException ge) {
        throw ge;
      }
      throw new GpenException("cannot write " + target + ": " + reason(e), e);
    }
  }

  /**
   * Makes sure files can be written into {@code dir} (created when missing) before any long work
   * starts, by writing and deleting an empty temporary file there.
   */
  public static void requireWritableFolder(Path dir) {
    Path abs = dir.toAbsolutePath();
    try {
      Files.createDirectories(abs);
    } catch (IOException e) {
      throw new GpenException("cannot create output folder " + abs + ": " + reason(e), e);
    }
    Path probe = tempSibling(abs.resolve("write-check"));
    try {
      Files.createFile(probe);
    } catch (IOException e) {
      throw new GpenException("cannot write into output folder " + abs + ": " + reason(e), e);
    } finally {
      deleteQuietly(probe);
    }
  }

  /** Writes bytes atomically. */
  public static void write(Path target, byte[] bytes) {
    write(target, temp -> Files.write(temp, bytes));
  }

  /**
   * Writes the bytes from the buffer's position to its limit atomically, e.g. an image encoded in
   * native memory; the buffer's position is left as it was.
   */
  public static void write(Path target, ByteBuffer bytes) {
    write(
        target,
        temp -> {
          try (FileChannel ch =
              FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer rest = bytes.duplicate();
            while (rest.hasRemaining()) {
              ch.write(rest);
            }
          }
        });
  }

  /** Temporary names: {@code .<base>.tmp<tag>[.<ext>]}, the tag in base 36. */
  private static final java.util.regex.Pattern TEMP_NAME =
      java.util.regex.Pattern.compile("\\..+\\.tmp[0-9a-z]+(\\.[^.]+)?");

  /**
   * Whether {@code fileName} is one of our temporary names (a process killed mid-write leaves one).
   */
  public static boolean isTempSibling(String fileName) {
    return TEMP_NAME.matcher(fileName).matches();
  }

  /** A fresh hidden name beside {@code target} that keeps its extension. */
  public static Path tempSibling(Path target) {
    String name = target.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    long tag = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    return target.resolveSibling("." + base + ".tmp" + Long.toString(tag, 36) + ext);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the original failure is what the user needs to see
    }
  }

  /** A short human reason for an I/O failure. */
  public static String reason(Exception e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException
        || e instanceof java.nio.file.NotDirectoryException) {
      return "a path component is a file, not a folder";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      // its message is only the path, which the caller's message names already
      return "no such file or folder";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
