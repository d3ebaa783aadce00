package io.gpen;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Test data from {@code ../shared} (never part of the project); tests skip where it is absent. */
public final class SharedData {
  private SharedData() {}

  /** The shared folder beside the repository. */
  public static Path root() {
    return Path.of("..", "shared").toAbsolutePath().normalize();
  }

  /** A file or folder under {@code ../shared}; skips the calling test when it is missing. */
  public static Path require(String relative) {
    Path p = root().resolve(relative);
    assumeTrue(Files.exists(p), "skipped: test data " + p + " is absent (it lives in ../shared)");
    return p;
  }
}
