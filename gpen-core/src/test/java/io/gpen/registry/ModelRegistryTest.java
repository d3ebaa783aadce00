package io.gpen.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpen.GpenException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path tmp;
  private LocalModelServer server;
  private byte[] payload;
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws IOException {
    server = new LocalModelServer();
    // larger than one read buffer so that progress and partial transfers are exercised
    payload = new byte[300_000];
    new Random(7).nextBytes(payload);
    server.put("good", payload);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /**
   * A registry whose downloads give up after generous waits: a loaded machine must not fail them.
   */
  private ModelRegistry registry(Path cache, ModelInfo... models) {
    return registry(cache, Duration.ofSeconds(30), models);
  }

  private ModelRegistry registry(Path cache, Duration stall, ModelInfo... models) {
    Downloader downloader = new Downloader(Duration.ofSeconds(30), Duration.ofSeconds(30), stall);
    return new ModelRegistry(
        List.of(models),
        cache,
        downloader,
        new PrintStream(logBytes, true, StandardCharsets.UTF_8));
  }

  private static List<Path> filesIn(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void goodFileIsVerifiedCachedAndResolvedWithoutSecondRequest() throws IOException {
    Path cache = tmp.resolve("cache");
    ModelInfo m = server.model("Good-Model", "/file/good", LocalModelServer.sha256(payload));
    ModelRegistry reg = registry(cache, m);
    assertFalse(reg.isCached(m));

    Path resolved = reg.resolve("Good-Model");

    assertEquals(cache.resolve("Good-Model.pth").toAbsolutePath(), resolved);
    assertArrayEquals(payload, Files.readAllBytes(resolved));
    assertEquals(1, server.hits("/file/good"));
    assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("downloading Good-Model"));
    String sidecar = Files.readString(ModelRegistry.sidecar(resolved));
    assertEquals(LocalModelServer.sha256(payload) + "  Good-Model.pth\n", sidecar);
    // only the model and its digest: no temporary file left behind
    assertEquals(List.of(resolved, ModelRegistry.sidecar(resolved)), filesIn(cache));

    assertEquals(resolved, reg.resolve("good-model"), "names match regardless of case");
    assertEquals(1, server.hits("/file/good"), "a cached model is not fetched again");
  }

  @Test
  void unpublishedChecksumStillRecordsTheDigest() throws IOException {
    ModelRegistry reg = registry(tmp, server.model("Free", "/file/good", null));
    Path p = reg.download(reg.require("Free"), false);
    assertArrayEquals(payload, Files.readAllBytes(p));
    assertTrue(
        Files.readString(ModelRegistry.sidecar(p)).startsWith(LocalModelServer.sha256(payload)));
  }

  @Test
  void wrongChecksumLeavesNothingBehind() throws IOException {
    String wrong = LocalModelServer.sha256("something else".getBytes(StandardCharsets.UTF_8));
    ModelRegistry reg = registry(tmp, server.model("Bad", "/file/good", wrong));

    GpenException e =
        assertThrows(GpenException.class, () -> reg.download(reg.require("Bad"), false));

    assertTrue(e.getMessage().contains("checksum mismatch for Bad"), e.getMessage());
    assertTrue(e.getMessage().contains("expected sha256 " + wrong), e.getMessage());
    assertTrue(e.getMessage().contains("got " + LocalModelServer.sha256(payload)), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertEquals(List.of(), filesIn(tmp), "neither the final file nor a temporary one may remain");
  }

  @Test
  void checksumPrefixIsCheckedAsPrefix() throws IOException {
    String sha = LocalModelServer.sha256(payload);
    String otherPrefix =
        sha.charAt(0) == '0' ? "1" + sha.substring(1, 8) : "0" + sha.substring(1, 8);
    ModelRegistry reg =
        registry(
            tmp,
            server.model("Prefixed", "/file/good", sha.substring(0, 8)),
            server.model("Misprefixed", "/file/good", otherPrefix));

    assertArrayEquals(payload, Files.readAllBytes(reg.resolve("Prefixed")));
    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Misprefixed"));
    assertTrue(
        e.getMessage().contains("expected sha256 starting with " + otherPrefix), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("Misprefixed.pth")));
  }

  @Test
  void truncatedTransferIsAnErrorAndLeavesNothing() throws IOException {
    // the server drops the connection short of the declared length; where the JDK server keeps it
    // open instead, the stall timeout ends the transfer
    ModelRegistry reg =
        registry(tmp, Duration.ofSeconds(2), server.model("Cut", "/truncated/good", null));

    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Cut"));

    assertTrue(e.getMessage().startsWith("download of Cut from "), e.getMessage());
    assertTrue(e.getMessage().contains("of " + payload.length + " bytes"), e.getMessage());
    assertEquals(List.of(), filesIn(tmp));
  }

  @Test
  void stalledTransferTimesOutAndLeavesNothing() throws IOException {
    ModelRegistry reg =
        registry(tmp, Duration.ofMillis(400), server.model("Slow", "/stall/good", null));
    long start = System.nanoTime();

    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Slow"));

    assertTrue(e.getMessage().contains("no data received for 0.4 s"), e.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertEquals(List.of(), filesIn(tmp));
  }

  @Test
  void httpErrorNamesTheStatus() throws IOException {
    ModelRegistry reg = registry(tmp, server.model("Missing", "/file/absent", null));
    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Missing"));
    assertTrue(e.getMessage().endsWith("failed: HTTP 404"), e.getMessage());
    assertEquals(List.of(), filesIn(tmp));
  }

  @Test
  void redirectsAreFollowed() throws IOException {
    ModelRegistry reg =
        registry(tmp, server.model("Moved", "/moved/good", LocalModelServer.sha256(payload)));
    assertArrayEquals(payload, Files.readAllBytes(reg.resolve("Moved")));
    assertEquals(1, server.hits("/moved/good"));
    assertEquals(1, server.hits("/file/good"));
  }

  @Test
  void connectionFailureIsOneLine() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ModelInfo m =
        LocalModelServer.model(
            "Nowhere", URI.create("http://127.0.0.1:" + closedPort + "/x.pth"), null);
    ModelRegistry reg = registry(tmp, m);
    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Nowhere"));
    assertTrue(
        e.getMessage().contains("cannot connect to 127.0.0.1:" + closedPort), e.getMessage());
    assertEquals(List.of(), filesIn(tmp));
  }

  @Test
  void unknownNameListsKnownModels() {
    ModelRegistry reg =
        registry(
            tmp,
            server.model("Alpha", "/file/good", null),
            server.model("Beta", "/file/good", null));
    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Gamma"));
    assertEquals("no such file or known model: Gamma (known: Alpha, Beta)", e.getMessage());
    GpenException e2 = assertThrows(GpenException.class, () -> reg.require("Gamma"));
    assertEquals("unknown model: Gamma (known: Alpha, Beta)", e2.getMessage());
    assertEquals(0, server.hits("/file/good"));
  }

  @Test
  void existingPathWinsOverNamesAndIsNotFetched() throws IOException {
    Path file = Files.write(tmp.resolve("Alpha"), new byte[] {1, 2, 3});
    ModelRegistry reg = registry(tmp.resolve("cache"), server.model("Alpha", "/file/good", null));
    assertEquals(file, reg.resolve(file.toString()));
    assertEquals(0, server.hits("/file/good"));

    GpenException e = assertThrows(GpenException.class, () -> reg.resolve(tmp.toString()));
    assertEquals(tmp + ": is a folder, not a weights file", e.getMessage());
  }

  @Test
  void cacheDirFollowsGpenHome() {
    Path home = Path.of("/home/someone");
    assertEquals(
        Path.of("/data/models"),
        ModelRegistry.defaultCacheDir(Map.of("GPEN_HOME", "/data/models"), home));
    assertEquals(home.resolve(".cache/gpen"), ModelRegistry.defaultCacheDir(Map.of(), home));
    assertEquals(
        home.resolve(".cache/gpen"), ModelRegistry.defaultCacheDir(Map.of("GPEN_HOME", " "), home));

    Path custom = tmp.resolve("gpen-home");
    ModelRegistry reg = registry(custom, server.model("Good", "/file/good", null));
    assertEquals(custom.toAbsolutePath(), reg.cacheDir());
    assertEquals(custom.resolve("Good.pth").toAbsolutePath(), reg.resolve("Good"));
    assertTrue(Files.isRegularFile(custom.resolve("Good.pth")));
  }

  @Test
  void unwritableCacheDirFailsBeforeAnyRequest() throws IOException {
    // a regular file where a folder should be: refused even for root, unlike permission bits
    Path blocker = Files.write(tmp.resolve("blocker"), new byte[0]);
    ModelRegistry reg =
        registry(blocker.resolve("cache"), server.model("Good", "/file/good", null));

    GpenException e = assertThrows(GpenException.class, () -> reg.resolve("Good"));

    assertTrue(
        e.getMessage().startsWith("cannot create the model cache folder " + blocker),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("(set GPEN_HOME to use another folder)"), e.getMessage());
    assertEquals(0, server.hits("/file/good"));
  }

  @Test
  void cachedCopyIsVerifiedRepairedAndForceRefetches() throws IOException {
    ModelInfo m = server.model("Good", "/file/good", null);
    ModelRegistry reg = registry(tmp, m);
    Path p = reg.download(m, false);
    assertEquals(1, server.hits("/file/good"));

    assertEquals(p, reg.download(m, false));
    assertEquals(1, server.hits("/file/good"), "an intact copy is kept");

    // corrupt the cached copy: no checksum is published, so the recorded digest must catch it
    byte[] damaged = payload.clone();
    damaged[1234] ^= 1;
    Files.write(p, damaged);
    assertEquals(p, reg.download(m, false));
    assertEquals(2, server.hits("/file/good"), "a corrupted copy is fetched again");
    assertArrayEquals(payload, Files.readAllBytes(p));
    assertTrue(
        logBytes.toString(StandardCharsets.UTF_8).contains("changed since it was downloaded"));

    reg.download(m, true);
    assertEquals(3, server.hits("/file/good"), "--force downloads even an intact copy");
  }

  @Test
  void handPlacedCopyIsCheckedAgainstThePublishedChecksum() throws IOException {
    ModelInfo m = server.model("Good", "/file/good", LocalModelServer.sha256(payload));
    ModelRegistry reg = registry(tmp, m);
    Files.write(tmp.resolve("Good.pth"), "not the model".getBytes(StandardCharsets.UTF_8));
    assertTrue(reg.isCached(m));

    Path p = reg.download(m, false);

    assertEquals(1, server.hits("/file/good"));
    assertArrayEquals(payload, Files.readAllBytes(p));
  }
}
