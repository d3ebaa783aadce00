package io.gpen.workflow;

import io.gpen.ParameterText;

/**
 * What a workflow reports while it runs: what it loaded and found, notes on its settings, inputs it
 * skipped, and its progress through a folder. Workflows print nothing themselves: a command line
 * prints these, a service may log them, and {@link #SILENT} drops them. Every method has a default
 * that ignores the report, so a listener implements only what it shows.
 */
public interface WorkflowListener {
  /** A listener that ignores every report. */
  WorkflowListener SILENT = new WorkflowListener() {};

  /** A line worth showing: the model or detector loaded, how the inputs are, a file saved. */
  default void info(String line) {}

  /** A note on the settings, e.g. one that has no effect in this run; it names its parameters. */
  default void note(ParameterText note) {}

  /** An input left out, and why (e.g. an unreadable image); the run goes on without it. */
  default void warning(String message) {}

  /**
   * Work on {@code total} images starts: the workflow steps the returned progress as it goes and
   * closes it at the end. Workflows report progress through folders, not through single images.
   */
  default Progress progress(long total) {
    return Progress.NONE;
  }

  /**
   * Work on {@code total} items of {@code unit} starts, e.g. the frames of a video ({@code
   * "frame"}; a negative total where it is not known); by default the same as {@link
   * #progress(long)}.
   */
  default Progress progress(long total, String unit) {
    return progress(total);
  }

  /** Progress through a known number of images. */
  interface Progress extends AutoCloseable {
    /** Progress that nobody watches. */
    Progress NONE =
        new Progress() {
          @Override
          public void stepBy(long images) {}

          @Override
          public void stepTo(long done) {}

          @Override
          public void close() {}
        };

    /** {@code images} more are done. */
    void stepBy(long images);

    /** {@code done} images are done in all (e.g. when unreadable ones were passed over). */
    void stepTo(long done);

    @Override
    void close();
  }
}
