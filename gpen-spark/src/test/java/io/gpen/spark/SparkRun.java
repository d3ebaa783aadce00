package io.gpen.spark;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code gpen spark} in-process with captured output, as a user would see it. */
record SparkRun(int exitCode, String out, String err) {
  static SparkRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = GpenSpark.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new SparkRun(code, out.toString(), err.toString());
  }
}
