package io.gpen.cli;

import picocli.CommandLine;

/** Reports the project version from the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"gpen " + (v == null ? "(development build)" : v)};
  }
}
