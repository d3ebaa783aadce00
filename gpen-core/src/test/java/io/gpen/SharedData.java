package io.gpen;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test data from {@code ../shared} (never part of the project). Where it is absent, tests skip with
 * a message, except on CI ({@code CI=true}), where a missing file fails the test: a CI run must
 * never be green because the golden pins went missing.
 */
public final class SharedData {
  private SharedData() {}

  /** The shared folder beside the repository. */
  public static Path root() {
    return Path.of("..", "shared").toAbsolutePath().normalize();
  }

  /**
   * A file or folder under {@code ../shared}; skips (or on CI fails) the calling test when it is
   * missing.
   */
  public static Path require(String relative) {
    Path p = root().resolve(relative);
    if (!Files.exists(p)) {
      String what = "test data " + p + " is absent (it lives in ../shared)";
      if (onCi()) {
        fail(what + "; CI=true, so the test fails instead of skipping");
      }
      assumeTrue(false, "skipped: " + what);
    }
    return p;
  }

  static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
