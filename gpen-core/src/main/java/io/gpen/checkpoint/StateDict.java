package io.gpen.checkpoint;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors read from one checkpoint file, in file order, with where they came from so that
 * errors can name the file.
 *
 * @param source the file the tensors were read from
 * @param description what was read, e.g. {@code "entry 'g_ema' of a training checkpoint"}
 * @param tensors name to tensor, in file order
 * @param metadata string metadata stored with the tensors (safetensors header), possibly empty
 */
public record StateDict(
    Path source,
    String description,
    Map<String, TensorData> tensors,
    Map<String, String> metadata) {

  public StateDict {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public StateDict(Path source, String description, Map<String, TensorData> tensors) {
    this(source, description, tensors, Map.of());
  }

  public TensorData get(String name) {
    return tensors.get(name);
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public int size() {
    return tensors.size();
  }

  /**
   * The names of the parts of a checkpoint that stores several state dicts under name prefixes: the
   * distinct text before the first dot of each name, in file order.
   */
  public Set<String> partNames() {
    Set<String> parts = new LinkedHashSet<>();
    for (String name : tensors.keySet()) {
      int dot = name.indexOf('.');
      if (dot > 0) {
        parts.add(name.substring(0, dot));
      }
    }
    return Collections.unmodifiableSet(parts);
  }

  /**
   * The tensors named {@code <part>.<rest>}, renamed {@code <rest>}, with the same source and
   * metadata; empty where there are none.
   */
  public StateDict part(String part) {
    String prefix = part + ".";
    Map<String, TensorData> selected = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          if (name.startsWith(prefix)) {
            selected.put(name.substring(prefix.length()), t);
          }
        });
    return new StateDict(source, description + ", part '" + part + "'", selected, metadata);
  }

  /**
   * The same tensors with {@code prefix} removed from their names where every name starts with it
   * (the {@code module.} that DataParallel training leaves); otherwise this state dict.
   */
  public StateDict withoutCommonPrefix(String prefix) {
    if (tensors.isEmpty() || !tensors.keySet().stream().allMatch(n -> n.startsWith(prefix))) {
      return this;
    }
    Map<String, TensorData> renamed = new LinkedHashMap<>();
    tensors.forEach((name, t) -> renamed.put(name.substring(prefix.length()), t));
    return new StateDict(
        source, description + ", prefix '" + prefix + "' removed", renamed, metadata);
  }
}
