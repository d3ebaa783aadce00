package io.gpen.registry;

import io.gpen.GpenException;
import io.gpen.util.ProgressBars;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;

/**
 * Streams one URL into a file while hashing it, and turns every network failure into a one-line
 * {@link GpenException}. Failures writing the file itself are left as {@link IOException} for the
 * caller (which owns the file) to report.
 */
final class Downloader {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient client;
  private final Duration responseTimeout;
  private final Duration idleTimeout;

  /** What arrived: the SHA-256 of the bytes written and their count. */
  record Fetched(String sha256, long bytes) {}

  /**
   * @param connectTimeout limit for opening the connection
   * @param responseTimeout limit for the response headers to arrive
   * @param idleTimeout limit for a silence while the body is streaming (HttpClient has no read
   *     timeout of its own, so a stalled server would otherwise hang the download forever)
   */
  Downloader(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout) {
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(connectTimeout)
            .build();
    this.responseTimeout = responseTimeout;
    this.idleTimeout = idleTimeout;
  }

  static Downloader withDefaults() {
    return new Downloader(CONNECT_TIMEOUT, RESPONSE_TIMEOUT, IDLE_TIMEOUT);
  }

  /** Downloads {@code model.url()} into {@code target}, which must not exist yet. */
  Fetched fetch(ModelInfo model, Path target) throws IOException {
    URI url = model.url();
    String what = "download of " + model.name() + " from " + url + " failed: ";
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(responseTimeout)
            .header("User-Agent", "gpen")
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GpenException(what + "interrupted", e);
    } catch (IOException e) {
      throw new GpenException(what + connectionProblem(url, e), e);
    }
    OptionalLong declared = response.headers().firstValueAsLong("Content-Length");
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new GpenException(what + "HTTP " + response.statusCode());
      }
      return copy(model, in, target, declared, what);
    }
  }

  private Fetched copy(
      ModelInfo model, InputStream in, Path target, OptionalLong declared, String what)
      throws IOException {
    MessageDigest sha = sha256();
    long expected = declared.orElse(model.size().orElse(-1));
    String ofTotal = declared.isPresent() ? " of " + declared.getAsLong() + " bytes" : " bytes";
    AtomicLong lastData = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    ScheduledExecutorService watchdog = watchdog(in, lastData, stalled);
    long count = 0;
    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW);
        ProgressBar bar = ProgressBars.bytes(model.name(), expected)) {
      byte[] buffer = new byte[1 << 16];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          throw new GpenException(what + readProblem(stalled, e) + " after " + count + ofTotal, e);
        }
        if (n < 0) {
          break;
        }
        lastData.set(System.nanoTime());
        out.write(buffer, 0, n);
        sha.update(buffer, 0, n);
        count += n;
        bar.stepTo(count);
      }
    } finally {
      watchdog.shutdownNow();
    }
    if (stalled.get()) {
      throw new GpenException(what + readProblem(stalled, null) + " after " + count + ofTotal);
    }
    if (declared.isPresent() && count != declared.getAsLong()) {
      throw new GpenException(what + "transfer ended after " + count + ofTotal);
    }
    return new Fetched(HexFormat.of().formatHex(sha.digest()), count);
  }

  /** Closes the body stream (which ends a blocked read) when no data came for idleTimeout. */
  private ScheduledExecutorService watchdog(
      InputStream in, AtomicLong lastData, AtomicBoolean stalled) {
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gpen-download-watchdog");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(10, idleTimeout.toMillis() / 4);
    watchdog.scheduleAtFixedRate(
        () -> {
          if (System.nanoTime() - lastData.get() > idleTimeout.toNanos()
              && stalled.compareAndSet(false, true)) {
            try {
              in.close();
            } catch (IOException ignored) {
              // the reader sees the closed stream either way
            }
          }
        },
        period,
        period,
        TimeUnit.MILLISECONDS);
    return watchdog;
  }

  private String readProblem(AtomicBoolean stalled, IOException e) {
    if (stalled.get()) {
      return "no data received for " + idleTimeout.toMillis() / 1000.0 + " s";
    }
    return "connection lost (" + reason(e) + ")";
  }

  private static String connectionProblem(URI url, IOException e) {
    String host = url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "");
    if (e instanceof HttpConnectTimeoutException) {
      return "cannot connect to " + host + " (timed out)";
    }
    if (e instanceof HttpTimeoutException) {
      return "no response from " + host + " (timed out)";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) {
        return "cannot connect to " + host + " (unknown host)";
      }
    }
    if (e instanceof ConnectException) {
      return "cannot connect to " + host + " (" + reason(e) + ")";
    }
    return "network error (" + reason(e) + ")";
  }

  private static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
