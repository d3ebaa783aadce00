package io.gpen.nn;

import java.util.ArrayList;
import java.util.List;

/** What keeps a checkpoint from fitting a model, summarised on one line. */
final class StateDictMismatch {
  private static final int SHOWN = 6;

  final List<String> missing = new ArrayList<>();
  final List<String> unexpected = new ArrayList<>();
  final List<String> misShaped = new ArrayList<>();

  boolean isEmpty() {
    return missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty();
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (!misShaped.isEmpty()) {
      parts.add(misShaped.size() + " mis-shaped " + list(misShaped));
    }
    if (!missing.isEmpty()) {
      parts.add(missing.size() + " missing " + list(missing));
    }
    if (!unexpected.isEmpty()) {
      parts.add(unexpected.size() + " unexpected " + list(unexpected));
    }
    return String.join("; ", parts);
  }

  private static String list(List<String> names) {
    List<String> shown = names.subList(0, Math.min(SHOWN, names.size()));
    String more = names.size() > SHOWN ? ", ... " + (names.size() - SHOWN) + " more" : "";
    return "[" + String.join(", ", shown) + more + "]";
  }
}
