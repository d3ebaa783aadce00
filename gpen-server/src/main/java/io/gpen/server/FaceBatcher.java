package io.gpen.server;

import io.gpen.api.FaceRestorer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Dynamic batching: the faces of concurrent requests are restored together, up to {@code maxBatch}
 * per model call, by one thread that owns the model's calls.
 *
 * <p>A request hands in all its aligned faces at once ({@link #restore}) and waits for their
 * restorations. The batching thread fills a batch with the faces of the oldest requests, in order;
 * while it is not full and other requests are still being prepared ({@code moreComing}) it waits
 * for them, up to {@code wait} after it started, else it runs at once. A photo with more faces than
 * a batch holds spans several calls, {@code maxBatch} faces at a time as {@code gpen restore
 * --batch_size maxBatch} takes them, and its faces share calls with other requests'.
 *
 * <p>The batcher works on its own copies of the faces, so that a request that gives up (its
 * deadline passed) can free its images at once: its faces not yet restored are skipped, and the
 * restorations that arrive after it gave up are freed. When a call on faces of several requests
 * fails, each request's faces are tried again on their own, so that one bad request fails alone.
 */
final class FaceBatcher implements AutoCloseable {
  /** Receives each model call's size and duration. */
  interface BatchListener {
    void batch(int faces, long nanos);
  }

  private final FaceRestorer model;
  private final int maxBatch;
  private final long waitNanos;
  private final BooleanSupplier moreComing;
  private final BatchListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition handedIn = lock.newCondition();
  private final ArrayDeque<Job> jobs = new ArrayDeque<>();
  private final Thread thread;
  private boolean closed;

  /**
   * @param model the restorer all calls go to (not closed here)
   * @param maxBatch the most faces per call
   * @param waitNanos how long a batch that is not full waits for more faces while {@code
   *     moreComing}
   * @param moreComing whether requests that may still hand in faces are being prepared
   */
  FaceBatcher(
      FaceRestorer model,
      int maxBatch,
      long waitNanos,
      BooleanSupplier moreComing,
      BatchListener listener) {
    this.model = model;
    this.maxBatch = maxBatch;
    this.waitNanos = waitNanos;
    this.moreComing = moreComing;
    this.listener = listener;
    this.thread = new Thread(this::loop, "gpen-batcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** The model's face size. */
  int size() {
    return model.size();
  }

  /**
   * Restores the faces with other requests' faces; returns new images in the same order, which the
   * caller closes. The faces are copied: the caller may close them when this returns or throws.
   *
   * @param deadline {@link System#nanoTime()} by which the restorations must be back
   * @throws ApiError 503 when the deadline passes or the batcher is closed
   */
  List<Mat> restore(List<Mat> faces, long deadline) {
    return restore(faces, deadline, () -> {});
  }

  /**
   * As {@link #restore(List, long)}; {@code queued} runs once the faces are queued (under the
   * batcher's lock, so that a batch being filled sees the request either on its way or queued).
   */
  List<Mat> restore(List<Mat> faces, long deadline, Runnable queued) {
    if (faces.isEmpty()) {
      queued.run();
      return List.of();
    }
    List<Mat> copies = new ArrayList<>(faces.size());
    for (Mat face : faces) {
      copies.add(face.clone());
    }
    Job job = new Job(copies);
    lock.lock();
    try {
      if (closed) {
        job.dropRemaining();
        throw ApiError.unavailable("the server is shutting down", 5);
      }
      jobs.addLast(job);
      queued.run();
      handedIn.signalAll();
    } finally {
      lock.unlock();
    }
    return job.await(deadline);
  }

  private void loop() {
    List<Item> batch = new ArrayList<>(maxBatch);
    while (true) {
      try {
        if (!fill(batch)) {
          return;
        }
        if (!batch.isEmpty()) {
          run(batch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        // run() fails the requests of a failed call itself; this keeps the thread alive whatever
        // else
        for (Item item : batch) {
          item.job().fail(e instanceof RuntimeException r ? r : new IllegalStateException(e));
        }
      } finally {
        for (Item item : batch) {
          item.face().close();
        }
        batch.clear();
      }
    }
  }

  /**
   * Takes faces into {@code batch}: waits for a first request, takes faces in order, and waits for
   * more while the batch is not full, other requests are on their way and {@code wait} is not over.
   * Returns false when closed with nothing left to do.
   */
  private boolean fill(List<Item> batch) throws InterruptedException {
    lock.lock();
    try {
      while (jobs.isEmpty()) {
        if (closed) {
          return false;
        }
        handedIn.await(100, TimeUnit.MILLISECONDS);
      }
      long until = System.nanoTime() + waitNanos;
      while (true) {
        take(batch);
        long left = until - System.nanoTime();
        if (batch.size() >= maxBatch
            || closed
            || left <= 0
            || !jobs.isEmpty()
            || !moreComing.getAsBoolean()) {
          return true;
        }
        handedIn.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves faces of the oldest requests into the batch until it is full; requests given up are
   * dropped.
   */
  private void take(List<Item> batch) {
    while (batch.size() < maxBatch && !jobs.isEmpty()) {
      Job job = jobs.peekFirst();
      if (!job.wanted()) {
        jobs.pollFirst().dropRemaining();
        continue;
      }
      while (batch.size() < maxBatch && job.hasNext()) {
        batch.add(job.next());
      }
      if (!job.hasNext()) {
        jobs.pollFirst();
      }
    }
  }

  /**
   * One call on the whole batch; where it fails and holds several requests' faces, one call per
   * request.
   */
  private void run(List<Item> batch) {
    try {
      call(batch);
    } catch (RuntimeException e) {
      Map<Job, List<Item>> byJob = new LinkedHashMap<>();
      for (Item item : batch) {
        byJob.computeIfAbsent(item.job(), j -> new ArrayList<>()).add(item);
      }
      if (byJob.size() == 1) {
        batch.get(0).job().fail(e);
        return;
      }
      for (Map.Entry<Job, List<Item>> one : byJob.entrySet()) {
        try {
          call(one.getValue());
        } catch (RuntimeException again) {
          one.getKey().fail(again);
        }
      }
    }
  }

  private void call(List<Item> items) {
    List<Mat> faces = new ArrayList<>(items.size());
    for (Item item : items) {
      faces.add(item.face());
    }
    long start = System.nanoTime();
    List<Mat> restored = model.restore(faces);
    listener.batch(items.size(), System.nanoTime() - start);
    for (int i = 0; i < items.size(); i++) {
      items.get(i).job().deliver(items.get(i).index(), restored.get(i));
    }
  }

  /** Stops taking requests; the faces handed in are still restored, then the thread ends. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      handedIn.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One face of a request, the batcher's own copy, and its place in the request. */
  private record Item(Job job, int index, Mat face) {}

  /** The faces of one request and their restorations as they come back. */
  private static final class Job {
    private final List<Mat> faces;
    private final Mat[] results;
    private int taken;
    private int remaining;
    private RuntimeException failure;
    private boolean abandoned;

    Job(List<Mat> faces) {
      this.faces = faces;
      this.results = new Mat[faces.size()];
      this.remaining = faces.size();
    }

    /** Whether another face waits to be taken (the batcher's thread only, under its lock). */
    boolean hasNext() {
      return taken < faces.size();
    }

    Item next() {
      int i = taken++;
      return new Item(this, i, faces.get(i));
    }

    /** Frees the faces not taken. */
    void dropRemaining() {
      while (taken < faces.size()) {
        faces.get(taken++).close();
      }
    }

    synchronized boolean wanted() {
      return !abandoned && failure == null;
    }

    synchronized void deliver(int index, Mat restored) {
      if (abandoned || failure != null) {
        restored.close();
        return;
      }
      results[index] = restored;
      if (--remaining == 0) {
        notifyAll();
      }
    }

    synchronized void fail(RuntimeException e) {
      if (failure == null && remaining > 0) {
        failure = e;
        notifyAll();
      }
    }

    synchronized List<Mat> await(long deadline) {
      try {
        while (remaining > 0 && failure == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw ApiError.unavailable("timed out waiting for the model", 1);
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandon();
        throw ApiError.unavailable("interrupted while waiting for the model", 1);
      } catch (RuntimeException e) {
        abandon();
        throw e;
      }
      if (failure != null) {
        abandon();
        throw failure;
      }
      return List.of(results);
    }

    /** Gives up: restorations already back are freed, later ones are freed as they come. */
    private void abandon() {
      abandoned = true;
      for (int i = 0; i < results.length; i++) {
        if (results[i] != null) {
          results[i].close();
          results[i] = null;
        }
      }
    }
  }
}
