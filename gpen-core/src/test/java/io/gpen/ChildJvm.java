package io.gpen;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a Java main class of the tests in a separate JVM with the tests' class path. */
public final class ChildJvm {
  private ChildJvm() {}

  /** A process builder for {@code java [jvmOptions] -cp <test class path> main args}. */
  public static ProcessBuilder of(Class<?> main, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** Starts {@code builder} with stderr merged into stdout. */
  public static Process start(ProcessBuilder builder) throws IOException {
    return builder.redirectErrorStream(true).start();
  }
}
