/**
 * The restoration service behind {@code gpen serve}: {@link io.gpen.server.GpenServer} (Jetty 12)
 * with its {@link io.gpen.server.ServerOptions}. Requests are taken in up to a bounded queue,
 * worked on by a fixed number of workers within a budget of pixels, and their faces restored
 * together in dynamic batches by one thread that owns the model's calls; the restored images are
 * those {@code gpen restore} writes. The package also serves the web page, the OpenAPI file and
 * Prometheus metrics.
 */
package io.gpen.server;
