package io.gpen.cli;

import io.gpen.ParameterText;
import io.gpen.util.ProgressBars;
import io.gpen.workflow.WorkflowListener;
import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shows what a workflow reports as the command line does: lines, notes and warnings on stderr
 * (notes and warnings after {@code gpen <command>:}, naming flags), and a progress bar per folder
 * (per video, with frames per second).
 */
final class CommandListener implements WorkflowListener {
  private final CommandSpec spec;
  private final PrintWriter err;

  CommandListener(CommandSpec spec) {
    this.spec = spec;
    this.err = spec.commandLine().getErr();
  }

  @Override
  public void info(String line) {
    err.println(line);
    err.flush();
  }

  @Override
  public void note(ParameterText note) {
    err.println("gpen " + spec.name() + ": note: " + note.render(p -> OptionNames.flag(spec, p)));
    err.flush();
  }

  @Override
  public void warning(String message) {
    err.println("gpen " + spec.name() + ": warning: " + message);
    err.flush();
  }

  @Override
  public Progress progress(long total) {
    return shown(ProgressBars.create(spec.name(), total, "img"));
  }

  @Override
  public Progress progress(long total, String unit) {
    return shown(ProgressBars.withRate(spec.name(), total, unit));
  }

  private static Progress shown(ProgressBar bar) {
    return new Progress() {
      @Override
      public void stepBy(long images) {
        bar.stepBy(images);
      }

      @Override
      public void stepTo(long done) {
        bar.stepTo(done);
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }
}
