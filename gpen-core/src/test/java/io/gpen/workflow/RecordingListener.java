package io.gpen.workflow;

import io.gpen.ParameterText;
import java.util.ArrayList;
import java.util.List;

/** Keeps what a workflow reports, for the tests to look at. */
final class RecordingListener implements WorkflowListener {
  final List<String> info = new ArrayList<>();

  /** The notes in library terms. */
  final List<String> notes = new ArrayList<>();

  final List<String> warnings = new ArrayList<>();

  /** The total of each progress started. */
  final List<Long> progressTotals = new ArrayList<>();

  /** The images stepped over by all progress. */
  long stepped;

  @Override
  public void info(String line) {
    info.add(line);
  }

  @Override
  public void note(ParameterText note) {
    notes.add(note.inLibraryTerms());
  }

  @Override
  public void warning(String message) {
    warnings.add(message);
  }

  @Override
  public Progress progress(long total) {
    progressTotals.add(total);
    return new Progress() {
      @Override
      public void stepBy(long images) {
        stepped += images;
      }

      @Override
      public void stepTo(long done) {}

      @Override
      public void close() {}
    };
  }
}
