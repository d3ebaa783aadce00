package io.gpen;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on the text a report or a command prints. */
public final class TextAssertions {
  private TextAssertions() {}

  /** Asserts that {@code text} contains each of {@code parts}, naming the first one missing. */
  public static void assertContainsAll(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), part + " missing from:\n" + text);
    }
  }
}
