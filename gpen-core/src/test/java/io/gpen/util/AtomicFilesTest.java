package io.gpen.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gpen.GpenException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-line errors of {@link AtomicFiles} name the path once and say why. */
class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aFolderTheFileSystemRefusesIsNamedWithTheReason() {
    Path proc = Path.of("/proc");
    assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux /proc");
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> AtomicFiles.write(proc.resolve("nope/out.png"), t -> Files.writeString(t, "x")));
    assertEquals("cannot create output folder /proc/nope: no such file or folder", e.getMessage());
  }

  @Test
  void aFolderUnderAFileIsNamedWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    GpenException e =
        assertThrows(
            GpenException.class,
            () -> AtomicFiles.write(file.resolve("out.png"), t -> Files.writeString(t, "x")));
    assertEquals(
        "cannot create output folder " + file + ": a path component is a file, not a folder",
        e.getMessage());
    assertFalse(Files.exists(file.resolve("out.png")));
  }
}
