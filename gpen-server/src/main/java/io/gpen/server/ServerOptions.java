package io.gpen.server;

import io.gpen.BadParameter;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link GpenServer} listens, what it accepts and how it shares the model.
 *
 * @param host the address to listen on ({@code 127.0.0.1}: this machine only)
 * @param port the port; 0 picks a free one ({@link GpenServer#port()} tells which)
 * @param maxBatch the most faces restored in one model call, from one request or several
 * @param batchWait how long the first face of a batch waits for faces of other requests while other
 *     requests are being prepared (none is waited for when no other request is on its way)
 * @param maxQueue the most requests waiting for a worker; one more is answered 503
 * @param workers requests prepared and restored at once (decoding, detection, paste-back and
 *     encoding run in parallel; their faces meet in the model's batches)
 * @param maxUploadMb the largest request body, in MiB (1 MiB = 1,048,576 bytes); larger is 413
 * @param maxPixels the most pixels an image may declare in its header; more is 400, before any
 *     pixel is decoded
 * @param busyPixels the most pixels of the images being worked on at once, which bounds the native
 *     memory of the photo stages (about 90 bytes per pixel at the paste-back); an image waits for
 *     room, and one larger than this runs alone
 * @param timeout the longest a request may take from its arrival, queue included; then 503
 * @param alpha the default weight of the restored faces against the original ones (the request's
 *     {@code alpha} overrides it)
 * @param aligned whether inputs are aligned faces by default (the request's {@code aligned}
 *     overrides it)
 * @param useSr whether requests get background super-resolution by default (the request's {@code
 *     use_sr} overrides it; the server must have a super-resolution network, {@link ServerModels})
 */
public record ServerOptions(
    String host,
    int port,
    int maxBatch,
    Duration batchWait,
    int maxQueue,
    int workers,
    int maxUploadMb,
    long maxPixels,
    long busyPixels,
    Duration timeout,
    double alpha,
    boolean aligned,
    boolean useSr) {
  public ServerOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(batchWait, "batchWait");
    Objects.requireNonNull(timeout, "timeout");
    if (host.isBlank()) {
      throw BadParameter.of("host", "must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw BadParameter.of("port", "must be 0 to 65535, got " + port);
    }
    if (maxBatch < 1) {
      throw BadParameter.of("maxBatch", "must be at least 1, got " + maxBatch);
    }
    if (batchWait.isNegative()) {
      throw BadParameter.of("batchWait", "must not be negative, got " + batchWait);
    }
    if (maxQueue < 0) {
      throw BadParameter.of("maxQueue", "must be at least 0, got " + maxQueue);
    }
    if (workers < 1) {
      throw BadParameter.of("workers", "must be at least 1, got " + workers);
    }
    if (maxUploadMb < 1 || maxUploadMb > 2047) {
      throw BadParameter.of("maxUploadMb", "must be 1 to 2047, got " + maxUploadMb);
    }
    if (maxPixels < 1) {
      throw BadParameter.of("maxPixels", "must be at least 1, got " + maxPixels);
    }
    if (busyPixels < 1) {
      throw BadParameter.of("busyPixels", "must be at least 1, got " + busyPixels);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw BadParameter.of("timeout", "must be positive, got " + timeout);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw BadParameter.of("alpha", "must be between 0 and 1, got " + alpha);
    }
  }

  /** The largest request body in bytes. */
  public long maxUploadBytes() {
    return maxUploadMb * 1024L * 1024L;
  }

  /**
   * The defaults: 127.0.0.1:8080, batches of up to 8 faces with a 5 ms wait, 64 requests queued, 2
   * workers per face of a batch (16), 25 MiB bodies, 40 megapixels per image and twice that at
   * work, 60 s per request, alpha 1, photos (not aligned faces), no super-resolution.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ServerOptions}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private int maxBatch = 8;
    private Duration batchWait = Duration.ofMillis(5);
    private int maxQueue = 64;
    private Integer workers;
    private int maxUploadMb = 25;
    private long maxPixels = 40_000_000L;
    private Long busyPixels;
    private Duration timeout = Duration.ofSeconds(60);
    private double alpha = 1.0;
    private boolean aligned;
    private boolean useSr;

    private Builder() {}

    /** The address to listen on (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The port (default 8080; 0 picks a free one). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The most faces per model call (default 8). */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** How long a batch waits for faces of requests on their way (default 5 ms). */
    public Builder batchWait(Duration batchWait) {
      this.batchWait = batchWait;
      return this;
    }

    /** The most requests waiting for a worker (default 64). */
    public Builder maxQueue(int maxQueue) {
      this.maxQueue = maxQueue;
      return this;
    }

    /** Requests worked on at once (default twice {@code maxBatch}). */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** The largest body in MiB (default 25). */
    public Builder maxUploadMb(int maxUploadMb) {
      this.maxUploadMb = maxUploadMb;
      return this;
    }

    /** The most pixels an image may declare (default 40,000,000). */
    public Builder maxPixels(long maxPixels) {
      this.maxPixels = maxPixels;
      return this;
    }

    /** The most pixels at work at once (default twice {@code maxPixels}). */
    public Builder busyPixels(long busyPixels) {
      this.busyPixels = busyPixels;
      return this;
    }

    /** The longest a request may take (default 60 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** The default alpha of the requests (default 1). */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Whether inputs are aligned faces by default (default false). */
    public Builder aligned(boolean aligned) {
      this.aligned = aligned;
      return this;
    }

    /** Whether requests get background super-resolution by default (default false). */
    public Builder useSr(boolean useSr) {
      this.useSr = useSr;
      return this;
    }

    public ServerOptions build() {
      int w = workers != null ? workers : 2 * Math.max(1, maxBatch);
      long busy =
          busyPixels != null
              ? busyPixels
              : (maxPixels > Long.MAX_VALUE / 2 ? maxPixels : 2 * maxPixels);
      return new ServerOptions(
          host,
          port,
          maxBatch,
          batchWait,
          maxQueue,
          w,
          maxUploadMb,
          maxPixels,
          busy,
          timeout,
          alpha,
          aligned,
          useSr);
    }
  }
}
