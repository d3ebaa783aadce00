package io.gpen.registry;

import io.gpen.GpenException;
import io.gpen.util.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The known weights files and the local cache they are downloaded into.
 *
 * <p>The cache is {@code ~/.cache/gpen}, or {@code $GPEN_HOME} when set. A download goes to a
 * temporary file in the cache folder and is renamed into place only after its checksum is verified,
 * so a file under its final name is always complete. Beside it, {@code NAME.sha256} (in {@code
 * sha256sum} format) records the digest computed on download, so that a later {@link #download} can
 * tell a corrupted copy even where no checksum is published.
 */
public final class ModelRegistry {
  /** Environment variable that moves the cache folder. */
  public static final String HOME_ENV = "GPEN_HOME";

  private final List<ModelInfo> models;
  private final Path cacheDir;
  private final Downloader downloader;
  private final PrintStream log;

  private static final class DefaultHolder {
    static final ModelRegistry INSTANCE =
        new ModelRegistry(
            KnownModels.ALL,
            defaultCacheDir(System.getenv(), Path.of(System.getProperty("user.home"))));
  }

  /**
   * A registry of {@code models} caching into {@code cacheDir}; progress and messages go to stderr.
   */
  public ModelRegistry(List<ModelInfo> models, Path cacheDir) {
    this(models, cacheDir, Downloader.withDefaults(), System.err);
  }

  ModelRegistry(List<ModelInfo> models, Path cacheDir, Downloader downloader, PrintStream log) {
    this.models = List.copyOf(models);
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
    this.downloader = downloader;
    this.log = log;
    Set<String> names = new HashSet<>();
    Set<String> files = new HashSet<>();
    for (ModelInfo m : this.models) {
      if (!names.add(m.name().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("duplicate model name: " + m.name());
      }
      if (!files.add(m.fileName())) {
        throw new IllegalArgumentException("two models share the cache file " + m.fileName());
      }
    }
  }

  /** The built-in models with the cache folder taken from the environment. */
  public static ModelRegistry defaultRegistry() {
    return DefaultHolder.INSTANCE;
  }

  /** {@code $GPEN_HOME} when set and not blank, else {@code userHome/.cache/gpen}. */
  public static Path defaultCacheDir(Map<String, String> env, Path userHome) {
    String home = env.get(HOME_ENV);
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    return userHome.resolve(".cache").resolve("gpen");
  }

  /** The cache folder (absolute; it need not exist yet). */
  public Path cacheDir() {
    return cacheDir;
  }

  /** All models, in listing order. */
  public List<ModelInfo> all() {
    return models;
  }

  /** The model of that name, ignoring case. */
  public Optional<ModelInfo> find(String name) {
    return models.stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst();
  }

  /** The model of that name, or a {@link GpenException} listing the known names. */
  public ModelInfo require(String name) {
    return find(name)
        .orElseThrow(
            () -> new GpenException("unknown model: " + name + " (known: " + names() + ")"));
  }

  /** Where {@code model} lives in the cache, whether or not it is there. */
  public Path cachedFile(ModelInfo model) {
    return cacheDir.resolve(model.fileName());
  }

  /** Whether the cache holds {@code model} (presence only; {@link #download} verifies content). */
  public boolean isCached(ModelInfo model) {
    return Files.isRegularFile(cachedFile(model));
  }

  /**
   * Resolves a {@code -w/--weights} value: an existing file wins; a model name gives its cached
   * file, downloaded first when absent; anything else is an error naming the known models.
   */
  public Path resolve(String nameOrPath) {
    if (nameOrPath == null || nameOrPath.isBlank()) {
      throw new GpenException("no weights file or model name given (known: " + names() + ")");
    }
    Path path = asPath(nameOrPath);
    if (path != null && Files.isRegularFile(path)) {
      return path;
    }
    Optional<ModelInfo> model = find(nameOrPath);
    if (model.isPresent()) {
      if (isCached(model.get())) {
        return cachedFile(model.get());
      }
      log.println(
          "gpen: " + model.get().name() + " is not in the cache " + cacheDir + "; downloading it");
      return download(model.get(), false);
    }
    if (path != null && Files.isDirectory(path)) {
      throw new GpenException(nameOrPath + ": is a folder, not a weights file");
    }
    throw new GpenException(
        "no such file or known model: " + nameOrPath + " (known: " + names() + ")");
  }

  /**
   * Puts {@code model} into the cache and returns its path. A cached copy is kept when it matches
   * the published checksum (or, where none is published, the digest recorded on download) unless
   * {@code force}; a copy that does not match is downloaded again.
   */
  public Path download(ModelInfo model, boolean force) {
    Path target = cachedFile(model);
    if (!force && Files.isRegularFile(target)) {
      String problem = cachedCopyProblem(model, target);
      if (problem == null) {
        log.println(
            "gpen: "
                + model.name()
                + " is already in the cache, checksum verified"
                + " (--force downloads it again)");
        return target;
      }
      log.println("gpen: cached " + target + " " + problem + "; downloading it again");
    }
    prepareCacheDir();
    log.println("gpen: downloading " + model.name() + " from " + model.url());
    AtomicReference<String> digest = new AtomicReference<>();
    AtomicFiles.write(
        target,
        temp -> {
          Downloader.Fetched fetched = downloader.fetch(model, temp);
          if (!model.checksumMatches(fetched.sha256())) {
            throw new GpenException(
                "checksum mismatch for "
                    + model.name()
                    + " from "
                    + model.url()
                    + ": expected sha256 "
                    + (model.checksumIsPrefix() ? "starting with " : "")
                    + model.sha256().get()
                    + ", got "
                    + fetched.sha256()
                    + " ("
                    + fetched.bytes()
                    + " bytes); discarded");
          }
          digest.set(fetched.sha256());
        });
    writeSidecar(target, digest.get());
    return target;
  }

  /** The {@code sha256sum}-style file recording the digest of a cached file. */
  static Path sidecar(Path cached) {
    return cached.resolveSibling(cached.getFileName() + ".sha256");
  }

  private void writeSidecar(Path target, String sha256) {
    String line = sha256 + "  " + target.getFileName() + "\n";
    AtomicFiles.write(sidecar(target), line.getBytes(StandardCharsets.UTF_8));
  }

  /** Null when the cached copy checks out, else what is wrong with it. */
  private String cachedCopyProblem(ModelInfo model, Path target) {
    String actual = sha256Of(target);
    if (!model.checksumMatches(actual)) {
      return "does not match the published sha256 " + model.sha256().get();
    }
    Path sidecar = sidecar(target);
    if (Files.isRegularFile(sidecar)) {
      String recorded = readSidecar(sidecar);
      if (!actual.equals(recorded)) {
        return "changed since it was downloaded (sha256 " + actual + ", recorded " + recorded + ")";
      }
    } else {
      // A file put there by hand: record it now so later corruption shows.
      writeSidecar(target, actual);
    }
    return null;
  }

  private static String readSidecar(Path sidecar) {
    try {
      String text = Files.readString(sidecar, StandardCharsets.UTF_8).trim();
      int space = text.indexOf(' ');
      return space < 0 ? text : text.substring(0, space);
    } catch (IOException e) {
      throw new GpenException("cannot read " + sidecar + ": " + AtomicFiles.reason(e), e);
    }
  }

  private static String sha256Of(Path file) {
    MessageDigest sha = Downloader.sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        sha.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new GpenException("cannot read " + file + ": " + AtomicFiles.reason(e), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private void prepareCacheDir() {
    try {
      Files.createDirectories(cacheDir);
    } catch (IOException e) {
      throw new GpenException(
          "cannot create the model cache folder "
              + cacheDir
              + ": "
              + AtomicFiles.reason(e)
              + " (set "
              + HOME_ENV
              + " to use another folder)",
          e);
    }
    if (!Files.isWritable(cacheDir)) {
      throw new GpenException(
          "the model cache folder "
              + cacheDir
              + " is not writable (set "
              + HOME_ENV
              + " to use another folder)");
    }
  }

  private String names() {
    return models.stream().map(ModelInfo::name).collect(Collectors.joining(", "));
  }

  private static Path asPath(String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      return null;
    }
  }
}
