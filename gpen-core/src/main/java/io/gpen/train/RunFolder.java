package io.gpen.train;

import io.gpen.GpenException;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files a training run owns in its checkpoint folder: {@code NNNNNN.safetensors} (N =
 * iterations done) and {@code train.log}. A folder belongs to one run: a new run refuses a folder
 * that holds another run's checkpoints (their iterations would interleave with its own) unless told
 * to replace them, and a run continued from one of the folder's own checkpoints is the same run.
 */
public final class RunFolder {
  /** The name of the log in the folder. */
  public static final String LOG_NAME = "train.log";

  private static final Pattern CHECKPOINT = Pattern.compile("\\d{6}\\.safetensors");

  /** What to do with the checkpoints of an earlier run found in the folder. */
  public enum Existing {
    /** Stop with an error naming them (the default). */
    REFUSE,
    /** Delete them and the earlier run's log before starting. */
    REPLACE
  }

  /** The folder already holds checkpoints of another run. */
  public static final class OccupiedException extends GpenException {
    OccupiedException(String message) {
      super(message);
    }
  }

  private final Path dir;

  public RunFolder(Path dir) {
    this.dir = dir;
  }

  /** The checkpoint written after {@code iterations} iterations. */
  public Path checkpoint(long iterations) {
    return dir.resolve(String.format(Locale.ROOT, "%06d.safetensors", iterations));
  }

  public Path log() {
    return dir.resolve(LOG_NAME);
  }

  /**
   * Prepares the folder for a run that starts from {@code pretrain} (null for fresh weights):
   * removes temporary files left by an interrupted save, and deals with an earlier run's
   * checkpoints as {@code existing} says. Checkpoints are another run's unless {@code pretrain} is
   * one of them.
   */
  public void prepare(Path pretrain, Existing existing, Consumer<String> notes) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    int leftovers = 0;
    for (Path p : list()) {
      if (AtomicFiles.isTempSibling(p.getFileName().toString())) {
        delete(p);
        leftovers++;
      }
    }
    if (leftovers > 0) {
      notes.accept(
          "removed " + leftovers + " temporary file(s) of an interrupted save from " + dir);
    }
    List<Path> checkpoints =
        list().stream()
            .filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
            .toList();
    if (checkpoints.isEmpty() || isOneOf(pretrain, checkpoints)) {
      return;
    }
    Path last = checkpoints.get(checkpoints.size() - 1);
    if (existing == Existing.REFUSE) {
      throw new OccupiedException(
          "checkpoint folder "
              + dir
              + " already holds "
              + checkpoints.size()
              + " checkpoint(s) of another run (last: "
              + last.getFileName()
              + "); continue that run from one of"
              + " them, choose another folder, or replace them");
    }
    for (Path p : checkpoints) {
      delete(p);
    }
    delete(log());
    notes.accept(
        "replaced an earlier run in "
            + dir
            + ": deleted "
            + checkpoints.size()
            + " checkpoint(s) and its log");
  }

  private static boolean isOneOf(Path pretrain, List<Path> checkpoints) {
    if (pretrain == null || !Files.isRegularFile(pretrain)) {
      return false;
    }
    Path p = pretrain.toAbsolutePath().normalize();
    return checkpoints.stream().anyMatch(c -> c.toAbsolutePath().normalize().equals(p));
  }

  private List<Path> list() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new GpenException(
          "cannot list checkpoint folder " + dir + ": " + AtomicFiles.reason(e), e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new GpenException("cannot delete " + p + ": " + AtomicFiles.reason(e), e);
    }
  }
}
