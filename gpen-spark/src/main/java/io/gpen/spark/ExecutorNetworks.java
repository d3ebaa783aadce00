package io.gpen.spark;

import io.gpen.BadParameter;
import io.gpen.GpenException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.TaskContext;

/**
 * A serialisable handle on networks that each executor JVM loads once and shares between its tasks,
 * as DJL's Spark extension does with its model loader: the handle (what to load, as a small
 * serialisable spec) travels with every task, the loaded networks stay in a per-JVM table keyed by
 * that spec and the thread count, and the handle keeps a transient reference to them.
 *
 * <p>Networks are loaded on first use, with as many libtorch threads as the task has CPUs ({@code
 * spark.task.cpus}), so an executor whose every input is skipped loads nothing. Where {@code
 * javacppCacheDir} is given it becomes JavaCPP's cache directory ({@code
 * org.bytedeco.javacpp.cachedir}) before the first native library loads, for executors whose home
 * folder is read-only. A one-line {@link GpenException} from loading names the job's flags.
 *
 * @param <S> the spec
 * @param <T> the networks
 */
final class ExecutorNetworks<S extends Serializable, T extends AutoCloseable>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** JavaCPP's system property for the folder its native libraries are unpacked into. */
  static final String JAVACPP_CACHE_PROPERTY = "org.bytedeco.javacpp.cachedir";

  /** Loads the networks of a spec with a number of CPU threads. */
  interface Opener<S, T> extends Serializable {
    T open(S spec, int threads);
  }

  /** What this JVM has loaded: (spec, threads) → networks. */
  private static final Map<Key, AutoCloseable> LOADED = new HashMap<>();

  private record Key(Serializable spec, int threads) {}

  private final S spec;
  private final Opener<S, T> opener;
  private final String javacppCacheDir;
  private transient T networks;

  ExecutorNetworks(S spec, Opener<S, T> opener, String javacppCacheDir) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.javacppCacheDir = javacppCacheDir;
  }

  /** The networks of this JVM for the spec, loaded by the first task that asks. */
  T get() {
    if (networks == null) {
      networks = acquire();
    }
    return networks;
  }

  @SuppressWarnings("unchecked")
  private T acquire() {
    TaskContext task = TaskContext.get();
    Key key = new Key(spec, task == null ? 0 : task.cpus());
    synchronized (LOADED) {
      AutoCloseable loaded = LOADED.get(key);
      if (loaded == null) {
        if (javacppCacheDir != null && System.getProperty(JAVACPP_CACHE_PROPERTY) == null) {
          System.setProperty(JAVACPP_CACHE_PROPERTY, javacppCacheDir);
        }
        try {
          loaded = opener.open(spec, key.threads());
        } catch (BadParameter e) {
          throw new GpenException(e.message(Flags::of), e);
        }
        LOADED.put(key, loaded);
      }
      return (T) loaded;
    }
  }

  /**
   * Closes the networks this JVM loaded for the spec: in local mode the driver is the only
   * executor, and frees their native memory once the job is done.
   */
  void release() {
    synchronized (LOADED) {
      LOADED
          .entrySet()
          .removeIf(
              e -> {
                if (!e.getKey().spec().equals(spec)) {
                  return false;
                }
                try {
                  e.getValue().close();
                } catch (Exception ex) {
                  throw new IllegalStateException("cannot close the networks of " + spec, ex);
                }
                return true;
              });
    }
    networks = null;
  }
}
