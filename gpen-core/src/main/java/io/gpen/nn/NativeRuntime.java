package io.gpen.nn;

import java.lang.reflect.Field;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.pytorch.global.torch;

/**
 * Process-wide settings of the native libraries, made once before the first network is built
 * ({@link Module} does it), so that the command line, the Java API and the tests run the same code.
 *
 * <ul>
 *   <li>Only the native libraries bundled in the jars are loaded ({@link #useBundledLibraries}).
 *   <li>libtorch runs on every available processor ({@link CpuThreads}).
 *   <li>OpenBLAS, which libtorch calls for matrix products, runs on the calling thread. It keeps a
 *       pool of its own whose threads spin while they wait: on a machine with few cores that pool
 *       and libtorch's OpenMP pool take turns on the same cores, and a matrix-vector product of a
 *       millisecond took tens of milliseconds (measured on the 2-core machine). The products GPEN
 *       needs are small.
 *   <li>NNPACK is off. libtorch would try it for some convolutions (large batches) before oneDNN;
 *       on CPUs its bundled cpuinfo does not know (AMD Zen 5) it fails to initialise and prints
 *       "Could not initialize NNPACK! Reason: Unsupported hardware." at every such call. Off, every
 *       CPU takes the same convolution path (oneDNN) and the console stays quiet.
 * </ul>
 *
 * <p>Convolution shapes that the bundled oneDNN cannot plan are avoided by {@link Convolutions}.
 */
public final class NativeRuntime {
  private static boolean bundledOnly;
  private static boolean initialised;

  private NativeRuntime() {}

  /** Applies the settings; later calls do nothing. */
  public static synchronized void init() {
    if (initialised) {
      return;
    }
    useBundledLibraries();
    loadBundled(torch.class);
    Loader.load(openblas_nolapack.class);
    org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
    torch.globalContext().setUserEnabledNNPACK(false);
    torch.set_num_threads(CpuThreads.everyCore());
    initialised = true;
  }

  /**
   * Makes JavaCPP load the libraries the jars bundle and never a library of the same name from the
   * system, for OpenCV and OpenBLAS here and for libtorch in {@link #init()}; later calls do
   * nothing. {@link io.gpen.image.Images} calls it before OpenCV's first use; an application that
   * uses JavaCPP libraries before either should call it first.
   *
   * <p>Two copies of one library in a process crash it: a command died in {@code dlopen} with
   * Debian's libtorch 1.13 mapped beside the bundled 2.10. Left alone, JavaCPP maps system
   * libraries two ways, each closed here:
   *
   * <ul>
   *   <li>The presets list libraries the jars do not hold: the CUDA variants' ({@code
   *       libtorch_cuda}, {@code libc10_cuda}, {@code libcudart}, OpenCV's {@code libopencv_cudev},
   *       ...) and other versions of bundled ones ({@code libgfortran.so.4} and {@code .3} beside
   *       the bundled {@code .5}). JavaCPP looks for these in system folders ({@code
   *       /usr/local/cuda}, {@code /usr/lib64}, ...) and then on {@code java.library.path}, which
   *       holds {@code LD_LIBRARY_PATH}. They are entered in JavaCPP's table of library locations
   *       as found nowhere, which it consults before searching. (The CUDA build of libtorch, when
   *       it is on the class path, may need the system's CUDA: then nothing is entered.)
   *   <li>The system loader looks up a library's dependencies on {@code LD_LIBRARY_PATH} before the
   *       library's own folder, unless they are loaded already, and the presets load {@code
   *       libtorch.so} (a stub) before {@code libtorch_cpu.so}, which it needs; on a first run,
   *       before the cache holds {@code libtorch_cpu.so}, the system's copy is found even without
   *       {@code LD_LIBRARY_PATH}. The bundled libraries are loaded here each after those it needs.
   * </ul>
   */
  public static synchronized void useBundledLibraries() {
    if (bundledOnly) {
      return;
    }
    // OpenCV's presets, like libtorch's, stand on OpenBLAS's and its runtime (gcc_s, gfortran)
    loadBundled(openblas.class);
    loadBundled(opencv_core.class);
    bundledOnly = true;
  }

  /**
   * Loads the libraries a presets class lists that its jar bundles, in the listed order but with
   * {@code libtorch.so} after {@code libtorch_cpu.so}, and records where each was found, and that
   * the others were found nowhere (unless the CUDA build of libtorch is present), in JavaCPP's
   * table. Libraries loaded already, by the presets this one inherits, are passed over.
   */
  private static void loadBundled(Class<?> presets) {
    ClassProperties p = Loader.loadProperties(presets, Loader.loadProperties(), true);
    List<String> links = new ArrayList<>(p.get("platform.link"));
    links.sort(Comparator.comparing("torch"::equals));
    List<String> libraries = new ArrayList<>(p.get("platform.preload"));
    libraries.addAll(links);
    Map<String, URL[]> found = foundLibraries();
    boolean cuda = cudaBuildOnClassPath();
    for (String lib : libraries) {
      if (Loader.getLoadedLibraries().containsKey(registeredName(lib))) {
        continue;
      }
      URL[] urls =
          Arrays.stream(Loader.findLibrary(presets, p, lib, false))
              .filter(u -> u.getProtocol().equals("jar"))
              .toArray(URL[]::new);
      if (urls.length > 0) {
        found.put(lib, urls);
        Loader.loadLibrary(presets, urls, lib);
      } else if (!cuda) {
        found.put(lib, urls);
      }
    }
  }

  /** The name JavaCPP registers a loaded library under: the one after '#' where there is one. */
  private static String registeredName(String lib) {
    String[] split = lib.split("#");
    return split.length > 1 && !split[1].isEmpty() ? split[1] : split[0];
  }

  private static boolean cudaBuildOnClassPath() {
    return torch.class.getResource(
            "/org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/libjnitorch.so")
        != null;
  }

  /**
   * JavaCPP's table of where each library was found, which {@link Loader#load(Class)} consults
   * before searching: an empty entry makes it skip the library. It has no public accessor.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, URL[]> foundLibraries() {
    try {
      Field table = Loader.class.getDeclaredField("foundLibraries");
      table.setAccessible(true);
      return (Map<String, URL[]>) table.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "JavaCPP "
              + Loader.class.getPackage().getImplementationVersion()
              + " has no table of found"
              + " libraries (Loader.foundLibraries): NativeRuntime must be updated for it",
          e);
    }
  }
}
