package io.gpen.cli;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import io.gpen.settings.SettingException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code gpen} command line. */
@Command(
    name = "gpen",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "GPEN blind face restoration on the JVM.",
    subcommands = {
      CommandLine.HelpCommand.class,
      PredictCommand.class,
      RestoreCommand.class,
      ServeCommand.class,
      BenchCommand.class,
      ExportCommand.class,
      InferCommand.class,
      ModelsCommand.class,
      DegradeCommand.class,
      TrainCommand.class,
      TestCommand.class,
      LiteCommand.class,
      DownloadCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with the project's error handling and help layout. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpAutoWidth(true);
    cl.setExecutionExceptionHandler(Main::handleException);
    cl.setParameterExceptionHandler(Main::handleUsageError);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** A mistyped command line: the problem and where to find help, not the whole usage text. */
  static int handleUsageError(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("gpen " + cl.getCommandName() + ": " + ex.getMessage());
    err.println(
        "Try 'gpen "
            + (cl.getParent() == null ? "" : cl.getCommandName() + " ")
            + "--help' for the options.");
    err.flush();
    return cl.getCommandSpec().exitCodeOnInvalidInput();
  }

  /**
   * One line on stderr for user errors, naming the command's flags where the library names its
   * parameters ({@link OptionNames}) or a setting given as an option ({@link SettingOptions}); a
   * stack trace only with GPEN_DEBUG=1.
   */
  static int handleException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if ("1".equals(System.getenv("GPEN_DEBUG"))) {
      ex.printStackTrace(err);
    }
    if (ex instanceof GpenException) {
      String message =
          ex instanceof SettingException e
              ? SettingOptions.message(e)
              : ex instanceof BadParameter bad
                  ? bad.message(parameter -> OptionNames.flag(cl.getCommandSpec(), parameter))
                  : ex.getMessage();
      err.println("gpen " + cl.getCommandName() + ": error: " + message);
      err.flush();
      return 1;
    }
    err.println(
        "gpen "
            + cl.getCommandName()
            + ": internal error: "
            + ex
            + " (set GPEN_DEBUG=1 for the stack trace)");
    err.flush();
    return 2;
  }
}
