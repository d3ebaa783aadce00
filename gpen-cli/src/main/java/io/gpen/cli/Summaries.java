package io.gpen.cli;

/** Closing lines that several commands print alike. */
final class Summaries {
  private Summaries() {}

  /** "restored N image(s) in S s", with the skipped ones where there are any. */
  static String restored(int restored, int skipped, double seconds) {
    return String.format(
        "restored %d image(s) in %.1f s%s",
        restored, seconds, skipped > 0 ? ", " + skipped + " skipped" : "");
  }
}
