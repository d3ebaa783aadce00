package io.gpen.cli;

import io.gpen.GpenException;
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
      BenchCommand.class,
      ModelsCommand.class,
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
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** One line on stderr for user errors; a stack trace only with GPEN_DEBUG=1. */
  static int handleException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if ("1".equals(System.getenv("GPEN_DEBUG"))) {
      ex.printStackTrace(err);
    }
    if (ex instanceof GpenException) {
      err.println("gpen " + cl.getCommandName() + ": error: " + ex.getMessage());
      err.flush();
      return 1;
    }
    err.println(
        "gpen " + cl.getCommandName() + ": internal error: " + ex
            + " (set GPEN_DEBUG=1 for the stack trace)");
    err.flush();
    return 2;
  }
}
