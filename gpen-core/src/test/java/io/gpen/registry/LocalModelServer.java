package io.gpen.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on 127.0.0.1 (ephemeral port) that serves test payloads and misbehaves on request:
 * {@code /file/NAME} serves a payload, {@code /truncated/NAME} declares the full length and closes
 * after a part, {@code /stall/NAME} sends a part then goes silent, {@code /moved/NAME} redirects to
 * {@code /file/NAME}; anything else is a 404.
 */
public final class LocalModelServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, byte[]> payloads = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);

  public LocalModelServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Serves {@code bytes} under {@code name}. */
  public void put(String name, byte[] bytes) {
    payloads.put(name, bytes);
  }

  /** URL of {@code path} (for example "/file/a.pth") on this server. */
  public URI url(String path) {
    return URI.create(
        "http://127.0.0.1:"
            + server.getAddress().getPort()
            + (path.startsWith("/") ? "" : "/")
            + path);
  }

  /** How many requests reached {@code path}. */
  public int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  /** A model entry for the given path with an optional expected SHA-256 (full or prefix). */
  public ModelInfo model(String name, String path, String sha256) {
    return model(name, url(path), sha256);
  }

  /** A model entry for any URL with an optional expected SHA-256 (full or prefix). */
  public static ModelInfo model(String name, URI url, String sha256) {
    return new ModelInfo(
        name,
        ModelInfo.Kind.GENERATOR,
        "test payload " + name,
        url,
        name + ".pth",
        OptionalLong.empty(),
        Optional.ofNullable(sha256),
        Optional.empty());
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    String[] parts = path.split("/", 3);
    byte[] body = parts.length == 3 ? payloads.get(parts[2]) : null;
    try (ex) {
      if (body == null) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      switch (parts[1]) {
        case "file" -> {
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        }
        case "moved" -> {
          ex.getResponseHeaders().add("Location", "/file/" + parts[2]);
          ex.sendResponseHeaders(302, -1);
        }
        case "truncated" -> {
          ex.sendResponseHeaders(200, body.length);
          OutputStream out = ex.getResponseBody();
          out.write(body, 0, body.length / 2);
          out.flush();
          try {
            // closing short of the declared length makes the server drop the connection
            out.close();
          } catch (IOException expected) {
            // "insufficient bytes written to stream"
          }
        }
        case "stall" -> {
          ex.sendResponseHeaders(200, body.length);
          OutputStream out = ex.getResponseBody();
          out.write(body, 0, body.length / 2);
          out.flush();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        default -> ex.sendResponseHeaders(404, -1);
      }
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
