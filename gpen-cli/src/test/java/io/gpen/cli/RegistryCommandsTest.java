package io.gpen.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.registry.LocalModelServer;
import io.gpen.registry.ModelRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RegistryCommandsTest {
  @TempDir Path cache;
  private LocalModelServer server;
  private ModelRegistry registry;
  private final byte[] payload = "weights of a test model".getBytes(StandardCharsets.UTF_8);
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws IOException {
    server = new LocalModelServer();
    server.put("w", payload);
    registry =
        new ModelRegistry(
            List.of(
                server.model("Test-Model", "/file/w", LocalModelServer.sha256(payload)),
                server.model("Bad-Sum", "/file/w", "0123456789abcdef"),
                server.model("Gone", "/file/missing", null)),
            cache);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    ((ModelsCommand) cl.getSubcommands().get("models").getCommand()).registry = registry;
    ((DownloadCommand) cl.getSubcommands().get("download").getCommand()).registry = registry;
    return cl.execute(args);
  }

  @Test
  void downloadPrintsThePathOfTheVerifiedFile() throws IOException {
    assertEquals(0, run("download", "Test-Model"));
    Path file = cache.resolve("Test-Model.pth");
    assertEquals(file.toAbsolutePath().toString(), out.toString().strip());
    assertArrayEquals(payload, Files.readAllBytes(file));
    assertEquals("", err.toString());
  }

  @Test
  void modelsShowsAlignedTableWithCacheState() {
    assertEquals(0, run("download", "Test-Model"));
    out.getBuffer().setLength(0);

    assertEquals(0, run("models"));

    List<String> lines = out.toString().lines().toList();
    assertTrue(lines.get(0).matches("NAME +KIND +SIZE +SHA256 +CACHED +URL"), lines.get(0));
    int urlColumn = lines.get(0).indexOf("URL");
    String test = lines.get(1);
    assertTrue(test.startsWith("Test-Model "), test);
    assertTrue(
        test.contains(" " + LocalModelServer.sha256(payload).substring(0, 12) + "... "), test);
    assertTrue(test.contains(" yes "), test);
    assertEquals(urlColumn, test.indexOf("http://127.0.0.1:"), "URL column aligned: " + test);
    assertTrue(lines.get(2).contains(" 0123456789abcdef (prefix) "), lines.get(2));
    assertTrue(lines.get(3).contains(" not published "), lines.get(3));
    assertTrue(lines.get(3).contains(" no "), lines.get(3));
    assertEquals(urlColumn, lines.get(3).indexOf("http://127.0.0.1:"));
    assertEquals("cache: " + cache.toAbsolutePath(), lines.get(lines.size() - 1));
  }

  @Test
  void modelsDescribesOneBuiltInModelWithItsConfig() {
    registry = new ModelRegistry(ModelRegistry.defaultRegistry().all(), cache);
    assertEquals(0, run("models", "GPEN-BFR-256"));
    String text = out.toString();
    assertTrue(text.contains("config:   size 256, channel multiplier 1, narrow 0.5"), text);
    assertTrue(text.contains("sha256:   not published"), text);
    assertTrue(text.contains(cache.resolve("GPEN-BFR-256.pth") + " (not cached)"), text);
  }

  @Test
  void unknownNameIsOneLineErrorListingKnownModels() {
    assertEquals(1, run("download", "Nope"));
    assertEquals(
        "gpen download: error: unknown model: Nope (known: Test-Model, Bad-Sum, Gone)",
        err.toString().strip());
    assertEquals("", out.toString());
  }

  @Test
  void checksumMismatchIsOneLineErrorAndNothingIsCached() throws IOException {
    assertEquals(1, run("download", "Bad-Sum"));
    String message = err.toString().strip();
    assertFalse(message.contains("\n"), message);
    assertTrue(message.startsWith("gpen download: error: checksum mismatch for Bad-Sum"), message);
    assertTrue(message.contains("expected sha256 starting with 0123456789abcdef"), message);
    try (var files = Files.list(cache)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void httpErrorIsOneLineError() {
    assertEquals(1, run("download", "Gone"));
    String message = err.toString().strip();
    assertFalse(message.contains("\n"), message);
    assertTrue(message.endsWith("failed: HTTP 404"), message);
  }

  @Test
  void missingNameIsUsageErrorAndHelpShowsDefaults() {
    assertEquals(2, run("download"));
    assertTrue(err.toString().contains("Missing required parameter: 'NAME'"), err.toString());

    assertEquals(0, run("download", "--help"));
    assertTrue(out.toString().contains("--force"), out.toString());
    assertTrue(out.toString().contains("Default: false"), out.toString());
  }
}
