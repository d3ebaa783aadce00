package io.gpen.train.distributed;

import io.gpen.GpenException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * The ranks of a run joined by libtorch's c10d: a {@code TCPStore} at the master address (served by
 * rank 0) for the rendezvous, and a {@code ProcessGroupGloo} for the collectives. Every operation
 * waits at most the timeout given at {@link #connect}; when another rank has died or timed out it
 * fails with one {@link GpenException} line naming this rank.
 */
public final class GlooGroup implements Collective, AutoCloseable {
  /**
   * Gradients travel in buckets of at most this many bytes (PyTorch DDP's default cap): a few large
   * allreduces instead of one per parameter, each message large enough to amortise its latency.
   */
  static final long BUCKET_BYTES = 25L << 20;

  private final int rank;
  private final int size;
  private final TCPStore store;
  private final ProcessGroupGloo group;
  private long nanos;
  private long calls;

  private GlooGroup(int rank, int size, TCPStore store, ProcessGroupGloo group) {
    this.rank = rank;
    this.size = size;
    this.store = store;
    this.group = group;
  }

  /**
   * Joins rank {@code rank} of {@code size} to the run whose store rank 0 serves at {@code
   * address:port}; returns once every rank has joined.
   *
   * @throws GpenException when the store cannot be served or reached, or the ranks do not all join
   *     within {@code timeout}
   */
  public static GlooGroup connect(String address, int port, int rank, int size, Duration timeout) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " of world size " + size);
    }
    TCPStore store = null;
    try {
      Milliseconds ms = new Milliseconds(timeout.toMillis());
      TCPStoreOptions options =
          new TCPStoreOptions().port((short) port).isServer(rank == 0).timeout(ms);
      store = new TCPStore(address, options);
      ProcessGroupGloo.Options gloo = new ProcessGroupGloo.Options(ms);
      // bound to the address the ranks reach each other by on this machine; across machines, the
      // host's own name, as torch.distributed does without GLOO_SOCKET_IFNAME
      String iface = System.getenv("GLOO_SOCKET_IFNAME");
      gloo.devices(
          new GlooDeviceVector(
              iface != null
                  ? ProcessGroupGloo.createDeviceForInterface(iface)
                  : isLoopback(address)
                      ? ProcessGroupGloo.createDeviceForHostname(address)
                      : ProcessGroupGloo.createDefaultDevice()));
      ProcessGroupGloo group = new ProcessGroupGloo(store, rank, size, gloo);
      return new GlooGroup(rank, size, store, group);
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      throw new GpenException(
          String.format(
              "rank %d of %d: cannot join the process group at %s:%d within %d s: %s",
              rank, size, address, port, timeout.toSeconds(), firstLine(e)),
          e);
    }
  }

  private static boolean isLoopback(String address) {
    return address.equals("localhost") || address.startsWith("127.");
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  /** Seconds spent in collectives so far (waiting for the slowest rank included). */
  public double seconds() {
    return nanos / 1e9;
  }

  /** Collective operations run so far. */
  public long calls() {
    return calls;
  }

  @Override
  public void average(List<Tensor> tensors) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      List<Tensor> bucket = new ArrayList<>();
      long bytes = 0;
      for (Tensor t : tensors) {
        if (!t.defined()) {
          continue;
        }
        long n = t.nbytes();
        if (!bucket.isEmpty() && bytes + n > BUCKET_BYTES) {
          averageBucket(bucket);
          bucket.clear();
          bytes = 0;
        }
        bucket.add(t);
        bytes += n;
      }
      if (!bucket.isEmpty()) {
        averageBucket(bucket);
      }
    }
  }

  /** One flat buffer per bucket: an allreduce of the sum, divided by the ranks, copied back. */
  private void averageBucket(List<Tensor> bucket) {
    TensorVector flat = new TensorVector();
    for (Tensor t : bucket) {
      flat.push_back(t.reshape(-1));
    }
    Tensor buffer = torch.cat(flat);
    allreduce(buffer);
    buffer.div_(new Scalar((double) size));
    long offset = 0;
    for (Tensor t : bucket) {
      long n = t.numel();
      t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
      offset += n;
    }
  }

  @Override
  public void sum(Tensor tensor) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      allreduce(tensor);
    }
  }

  private void allreduce(Tensor tensor) {
    AllreduceOptions options = new AllreduceOptions();
    options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
    run("allreduce", () -> group.allreduce(new TensorVector(tensor), options));
  }

  @Override
  public Tensor gather(Tensor local) {
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor mine = local.detach().contiguous();
      long[] shape = mine.sizes().vec().get();
      shape[0] *= size;
      Tensor whole = mine.new_empty(shape, mine.options());
      try (PointerScope scope = new PointerScope()) {
        run("allgather", () -> group._allgather_base(whole, mine));
      }
      return whole;
    }
  }

  @Override
  public void broadcast(List<Tensor> tensors) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Tensor t : tensors) {
        BroadcastOptions options = new BroadcastOptions();
        options.rootRank(0);
        run("broadcast", () -> group.broadcast(new TensorVector(t), options));
      }
    }
  }

  /**
   * Starts an operation and waits for it; a failure (a rank gone, the timeout passed) becomes one
   * line.
   */
  private void run(String what, Supplier<Work> start) {
    long t0 = System.nanoTime();
    try {
      start.get()._wait();
    } catch (RuntimeException e) {
      throw new GpenException(
          String.format(
              "rank %d of %d: %s failed, another worker stopped or timed out: %s",
              rank, size, what, firstLine(e)),
          e);
    } finally {
      nanos += System.nanoTime() - t0;
      calls++;
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
