package io.gpen;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * Damaged copies of a valid file, seeded: the file cut short at many lengths, and copies with a few
 * bytes changed (anywhere, near the start where headers are, near the end where zip archives keep
 * their directory). Every case must end, within a time bound per batch, with a result or a one-line
 * {@link GpenException}: never another exception, an error, a multi-line message or a hang.
 */
public final class Fuzz {
  /** Truncations tried per file. */
  public static final int CUTS = 40;

  /** Copies with changed bytes tried per file. */
  public static final int FLIPS = 160;

  /** The bound for each batch of cases (the truncations, the flipped copies). */
  private static final Duration BATCH_LIMIT = Duration.ofSeconds(30);

  /** Reads a file as the reader under test does, freeing whatever it gets. */
  @FunctionalInterface
  public interface Reader {
    void read(Path file) throws Exception;
  }

  /** How the cases ended. */
  public record Counts(String label, int cuts, int flips, int read, int refused) {
    @Override
    public String toString() {
      return String.format(
          "fuzz %s: %d cases (%d truncations, %d with changed bytes): %d read, %d refused",
          label, cuts + flips, cuts, flips, read, refused);
    }
  }

  private Fuzz() {}

  /**
   * Runs the cases of {@code valid} through {@code reader}, writing each to {@code dir/name}, and
   * prints how they ended.
   *
   * @param cutsMustFail whether every truncated copy must be refused (a file format whose every
   *     byte matters); otherwise a result is accepted too, as for a JPEG cut in its scan data,
   *     which decoders finish in grey
   */
  public static Counts run(
      String label,
      byte[] valid,
      Path dir,
      String name,
      long seed,
      boolean cutsMustFail,
      Reader reader)
      throws IOException {
    Path file = dir.resolve(name);
    Random random = new Random(seed);
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        BATCH_LIMIT,
        () -> {
          for (int i = 0; i < CUTS; i++) {
            // evenly spread lengths, each moved by a random amount within its step
            int step = Math.max(1, valid.length / CUTS);
            int length = Math.min(valid.length - 1, i * step + random.nextInt(step));
            Files.write(file, Arrays.copyOf(valid, length));
            boolean read =
                attempt(
                    reader, file, label + " cut to " + length + " of " + valid.length + " bytes");
            if (read && cutsMustFail) {
              fail(
                  label
                      + " cut to "
                      + length
                      + " of "
                      + valid.length
                      + " bytes was read as if whole");
            }
            outcomes[read ? 0 : 1]++;
          }
        },
        label + ": truncations took longer than " + BATCH_LIMIT.toSeconds() + " s");
    assertTimeoutPreemptively(
        BATCH_LIMIT,
        () -> {
          for (int i = 0; i < FLIPS; i++) {
            byte[] damaged = valid.clone();
            int changes = 1 + random.nextInt(4);
            StringBuilder where = new StringBuilder();
            for (int c = 0; c < changes; c++) {
              int window = Math.min(valid.length, 1024);
              int position =
                  switch (i % 4) {
                    case 0 -> random.nextInt(window);
                    case 1 -> valid.length - 1 - random.nextInt(window);
                    default -> random.nextInt(valid.length);
                  };
              byte value =
                  (byte)
                      (random.nextBoolean()
                          ? damaged[position] ^ (1 << random.nextInt(8))
                          : random.nextInt(256));
              damaged[position] = value;
              where
                  .append(where.length() == 0 ? "" : ", ")
                  .append(position)
                  .append('=')
                  .append(value & 0xff);
            }
            Files.write(file, damaged);
            outcomes[attempt(reader, file, label + " with bytes changed at " + where) ? 0 : 1]++;
          }
        },
        label + ": changed copies took longer than " + BATCH_LIMIT.toSeconds() + " s");
    Counts counts = new Counts(label, CUTS, FLIPS, outcomes[0], outcomes[1]);
    System.out.println(counts);
    return counts;
  }

  /** True when the file was read, false when it was refused as it should be; fails otherwise. */
  private static boolean attempt(Reader reader, Path file, String what) {
    try {
      reader.read(file);
      return true;
    } catch (GpenException e) {
      String m = e.getMessage();
      if (m == null || m.isBlank() || m.contains("\n") || m.contains("\r")) {
        fail(what + ": the message is not one line: " + m, e);
      }
      return false;
    } catch (Throwable e) {
      fail(what + ": " + e, e);
      return false;
    }
  }
}
