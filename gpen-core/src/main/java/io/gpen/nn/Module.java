package io.gpen.nn;

import io.gpen.GpenException;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A node of a network whose parameters, buffers and children are named as in the reference PyTorch
 * module, so that {@link #stateDict()} yields the official checkpoint names and loading is a walk
 * over those names.
 *
 * <p>Parameters and buffers are retained (JavaCPP reference count) so that a {@link PointerScope}
 * around a forward pass never frees them; {@link #close()} releases them.
 */
public abstract class Module implements AutoCloseable {
  static {
    NativeRuntime.init();
  }

  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private final Set<String> optionalBuffers = new HashSet<>();

  /** Registers a learnable tensor under {@code name}; it requires gradients. */
  protected final Tensor registerParameter(String name, Tensor value) {
    checkFree(name);
    value.retainReference();
    value.set_requires_grad(true);
    parameters.put(name, value);
    return value;
  }

  /** Registers a constant tensor (saved and loaded, never trained) under {@code name}. */
  protected final Tensor registerBuffer(String name, Tensor value) {
    checkFree(name);
    value.retainReference();
    buffers.put(name, value);
    return value;
  }

  /**
   * Registers a buffer that checkpoints may lack (e.g. a counter older PyTorch versions did not
   * save): loading keeps its current value then.
   */
  protected final Tensor registerOptionalBuffer(String name, Tensor value) {
    registerBuffer(name, value);
    optionalBuffers.add(name);
    return value;
  }

  /** Registers a child module under {@code name}. */
  protected final <M extends Module> M registerModule(String name, M child) {
    checkFree(name);
    children.put(name, child);
    return child;
  }

  private void checkFree(String name) {
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalStateException("name already registered: " + name);
    }
  }

  /** Parameters of this module and its children, with dotted names, in registration order. */
  public final Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, true, false);
    return out;
  }

  /** Buffers of this module and its children, with dotted names. */
  public final Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, false, true);
    return out;
  }

  /** Parameters and buffers with their checkpoint names (the tensors themselves, not copies). */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, true, true);
    return out;
  }

  /** The learnable tensors, for optimisers. */
  public final List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /**
   * Adds N(0, std²) noise drawn from libtorch's default generator to every parameter: moves a
   * freshly initialised network away from its zero biases and noise weights, as the golden
   * reference weights were, so that tests and benchmarks with random weights exercise every term.
   */
  public final void perturbParameters(double std) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Tensor p : parameters()) {
        p.add_(torch.randn_like(p).mul_(Tensors.scalar(std)));
      }
    }
  }

  private void collect(String prefix, Map<String, Tensor> out, boolean params, boolean bufs) {
    if (params) {
      parameters.forEach((k, v) -> out.put(prefix + k, v));
    }
    if (bufs) {
      buffers.forEach((k, v) -> out.put(prefix + k, v));
    }
    children.forEach((k, m) -> m.collect(prefix + k + ".", out, params, bufs));
  }

  private void collectOptional(String prefix, Set<String> out) {
    optionalBuffers.forEach(n -> out.add(prefix + n));
    children.forEach((k, m) -> m.collectOptional(prefix + k + ".", out));
  }

  /**
   * Turns gradient tracking of every parameter on or off (the reference's requires_grad(model,
   * flag)).
   */
  public final void requiresGrad(boolean flag) {
    for (Tensor p : namedParameters().values()) {
      p.set_requires_grad(flag);
    }
  }

  /**
   * Copies every tensor of {@code sd} into the module, strictly, refusing tensors that hold NaN or
   * infinity: {@code loadStateDict(sd, what, optional, false)}.
   */
  public final void loadStateDict(StateDict sd, String what, Set<String> optional) {
    loadStateDict(sd, what, optional, false);
  }

  /**
   * Copies every tensor of {@code sd} into the module, strictly: the names and shapes must match
   * exactly, and floating-point tensors must hold finite values unless {@code allowNonFinite}. On a
   * refusal nothing is changed and one message names the file and lists the missing, unexpected and
   * mis-shaped tensors, or the tensors holding NaN or infinity with their counts.
   *
   * @param what a short description of this model for the message, e.g. its configuration
   * @param optional names of further buffers that may be absent from the file (their current value
   *     is kept), besides those registered as optional
   * @param allowNonFinite load tensors holding NaN or infinity instead of refusing the file
   * @return the summary of the non-finite values loaded (where allowed), e.g. {@code "2 tensors
   *     hold non-finite values: a.weight (3 NaN), b.bias (1 infinite)"}; empty when all are finite
   */
  public final Optional<String> loadStateDict(
      StateDict sd, String what, Set<String> optional, boolean allowNonFinite) {
    Map<String, Tensor> own = stateDict();
    Set<String> mayLack = new HashSet<>(optional);
    collectOptional("", mayLack);
    StateDictMismatch mismatch = new StateDictMismatch();
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      TensorData src = sd.get(e.getKey());
      if (src == null) {
        if (!mayLack.contains(e.getKey())) {
          mismatch.missing.add(e.getKey());
        }
      } else if (!Arrays.equals(src.shape(), Tensors.shape(e.getValue()))) {
        mismatch.misShaped.add(
            e.getKey()
                + " (file "
                + src.shapeString()
                + ", model "
                + Tensors.shapeString(e.getValue())
                + ")");
      }
    }
    for (String name : sd.tensors().keySet()) {
      if (!own.containsKey(name)) {
        mismatch.unexpected.add(name);
      }
    }
    if (!mismatch.isEmpty()) {
      throw new GpenException(
          sd.source() + ": " + sd.description() + " does not fit " + what + ": " + mismatch);
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      // every tensor is converted and checked before the first is copied, so that a refused file
      // leaves the module as it was
      Map<String, Tensor> loaded = new LinkedHashMap<>();
      NonFiniteValues nonFinite = new NonFiniteValues();
      for (String name : own.keySet()) {
        TensorData src = sd.get(name);
        if (src != null) {
          Tensor t = Tensors.fromData(src);
          nonFinite.check(name, t);
          loaded.put(name, t);
        }
      }
      if (!nonFinite.isEmpty() && !allowNonFinite) {
        throw new GpenException(
            sd.source() + ": " + nonFinite + " (--allow_nonfinite loads it anyway)");
      }
      loaded.forEach(
          (name, t) -> {
            Tensor dst = own.get(name);
            dst.copy_(t.to(dst.device(), dst.scalar_type()));
          });
      return nonFinite.isEmpty() ? Optional.empty() : Optional.of(nonFinite.toString());
    }
  }

  /**
   * Converts every floating-point parameter and buffer to {@code type} in place (tensor identities
   * are kept), e.g. to run the network in bfloat16; integer buffers (counters) stay as they are.
   */
  public final void convert(ScalarType type) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Tensor t : stateDict().values()) {
        if (t.is_floating_point()) {
          t.__dispatch_set_data(t.to(type));
        }
      }
    }
  }

  /** Moves every parameter and buffer to {@code device} in place (tensor identities are kept). */
  public final void to(org.bytedeco.pytorch.Device device) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Tensor t : stateDict().values()) {
        t.__dispatch_set_data(t.to(device, t.scalar_type()));
      }
    }
  }

  /** Releases the native memory of every parameter, buffer and child. */
  @Override
  public void close() {
    for (Module m : children.values()) {
      m.close();
    }
    for (Tensor t : parameters.values()) {
      t.releaseReference();
    }
    for (Tensor t : buffers.values()) {
      t.releaseReference();
    }
    children.clear();
    parameters.clear();
    buffers.clear();
  }
}
