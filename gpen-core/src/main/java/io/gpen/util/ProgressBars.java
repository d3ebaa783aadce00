package io.gpen.util;

import java.text.DecimalFormat;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars for long work (downloads, folders of images, training), all in one style and all on
 * stderr so that stdout stays clean for results. Close the bar when done (try-with-resources).
 */
public final class ProgressBars {
  private ProgressBars() {}

  /**
   * A bar counting {@code total} items of {@code unit} (for example "img" or "step"); a negative
   * total gives a bar without an end.
   */
  public static ProgressBar create(String task, long total, String unit) {
    return builder(task, total).setUnit(" " + unit, 1).build();
  }

  /**
   * A bar counting {@code total} items of {@code unit} that also shows how many go by per second
   * (e.g. the frames per second of a video); a negative total gives a bar without an end.
   */
  public static ProgressBar withRate(String task, long total, String unit) {
    return builder(task, total).setUnit(" " + unit, 1).showSpeed(new DecimalFormat("0.0")).build();
  }

  /** A bar counting bytes, shown in MB with the transfer speed; a negative total has no end. */
  public static ProgressBar bytes(String task, long totalBytes) {
    return builder(task, totalBytes)
        .setUnit("MB", 1_000_000)
        .showSpeed(new DecimalFormat("0.0"))
        .build();
  }

  private static ProgressBarBuilder builder(String task, long total) {
    // ASCII renders the same in terminals, CI logs and redirected files; the default consumer
    // writes to the process's stderr.
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total < 0 ? -1 : total)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500);
  }
}
