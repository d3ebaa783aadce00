package io.gpen.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
  @TempDir Path dir;

  private RunFolder earlierRun() throws IOException {
    RunFolder f = new RunFolder(dir);
    Files.writeString(f.checkpoint(10), "a");
    Files.writeString(f.checkpoint(20), "b");
    Files.writeString(f.log(), "iter 20\n");
    return f;
  }

  @Test
  void anotherRunsCheckpointsAreRefusedOrReplaced() throws IOException {
    RunFolder f = earlierRun();
    Files.writeString(dir.resolve("notes.txt"), "mine");
    RunFolder.OccupiedException e =
        assertThrows(
            RunFolder.OccupiedException.class,
            () -> f.prepare(null, RunFolder.Existing.REFUSE, n -> {}));
    assertTrue(
        e.getMessage()
            .contains(
                dir + " already holds 2 checkpoint(s) of another run (last: 000020.safetensors)"),
        e.getMessage());
    assertTrue(Files.exists(f.checkpoint(20)), "refusing deletes nothing");

    List<String> notes = new ArrayList<>();
    f.prepare(null, RunFolder.Existing.REPLACE, notes::add);
    assertFalse(
        Files.exists(f.checkpoint(10)) || Files.exists(f.checkpoint(20)) || Files.exists(f.log()));
    assertTrue(Files.exists(dir.resolve("notes.txt")), "files the run does not own stay");
    assertEquals(
        List.of("replaced an earlier run in " + dir + ": deleted 2 checkpoint(s) and its log"),
        notes);
  }

  @Test
  void continuingFromOneOfItsCheckpointsIsTheSameRun() throws IOException {
    RunFolder f = earlierRun();
    f.prepare(dir.resolve("000020.safetensors"), RunFolder.Existing.REFUSE, n -> {});
    f.prepare(dir.resolve("./000010.safetensors"), RunFolder.Existing.REFUSE, n -> {});
    assertTrue(
        Files.exists(f.checkpoint(10)) && Files.exists(f.checkpoint(20)) && Files.exists(f.log()));
    Path elsewhere =
        Files.writeString(Files.createTempFile(dir.getParent(), "other", ".safetensors"), "c");
    try {
      assertThrows(
          RunFolder.OccupiedException.class,
          () -> f.prepare(elsewhere, RunFolder.Existing.REFUSE, n -> {}));
    } finally {
      Files.delete(elsewhere);
    }
  }

  @Test
  void temporaryFilesOfAnInterruptedSaveAreRemoved() throws IOException {
    RunFolder f = new RunFolder(dir);
    Path leftover = AtomicFiles.tempSibling(f.checkpoint(30));
    Files.writeString(leftover, "half a checkpoint");
    Path hidden = Files.writeString(dir.resolve(".keep"), "not ours");
    List<String> notes = new ArrayList<>();
    f.prepare(null, RunFolder.Existing.REFUSE, notes::add);
    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(hidden));
    assertEquals(List.of("removed 1 temporary file(s) of an interrupted save from " + dir), notes);
  }

  @Test
  void aMissingFolderIsFine() {
    new RunFolder(dir.resolve("new"))
        .prepare(
            null,
            RunFolder.Existing.REFUSE,
            n -> {
              throw new AssertionError(n);
            });
  }
}
