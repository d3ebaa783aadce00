package io.gpen.train;

import io.gpen.GpenException;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.nn.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Adam as {@code torch.optim.Adam} computes it (no weight decay, no AMSGrad, the single-tensor CPU
 * path), over a fixed list of named parameters, with its state in the open so that a checkpoint can
 * save and restore it bit for bit.
 *
 * <p>Per parameter: {@code m ← lerp(m, g, 1 − β₁)}, {@code v ← β₂·v + (1 − β₂)·g²}, then {@code p ←
 * p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)}. A parameter without a gradient is updated with a
 * zero gradient: the reference adds {@code 0 · output} to its regularisation losses so that every
 * parameter has one.
 */
public final class Adam implements AutoCloseable {
  /** Torch's default ε. */
  public static final double EPS = 1e-8;

  private final List<String> names;
  private final List<Tensor> params;
  private final List<Tensor> expAvg = new ArrayList<>();
  private final List<Tensor> expAvgSq = new ArrayList<>();
  private final double lr;
  private final double beta1;
  private final double beta2;
  private long step;

  /**
   * @param parameters the tensors to update, by name, in the order of the model's {@code
   *     parameters()} (the order of a PyTorch optimiser's parameter indices)
   */
  public Adam(Map<String, Tensor> parameters, double lr, double beta1, double beta2) {
    this.names = List.copyOf(parameters.keySet());
    this.params = List.copyOf(parameters.values());
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (Tensor p : params) {
        expAvg.add(retained(torch.zeros_like(p)));
        expAvgSq.add(retained(torch.zeros_like(p)));
      }
    }
  }

  private static Tensor retained(Tensor t) {
    t.retainReference();
    return t;
  }

  public double lr() {
    return lr;
  }

  /** Updates taken so far (PyTorch's per-parameter {@code step}, the same for all here). */
  public long steps() {
    return step;
  }

  /**
   * One update.
   *
   * @param grads one gradient per parameter, in order; an undefined tensor counts as zeros
   */
  public void step(TensorVector grads) {
    if (grads.size() != params.size()) {
      throw new IllegalArgumentException(
          "Adam over " + params.size() + " parameters got " + grads.size() + " gradients");
    }
    step++;
    double bias1 = 1 - Math.pow(beta1, step);
    double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    double stepSize = lr / bias1;
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      // one native Scalar each, not one per parameter: the update is a few hundred small calls
      Scalar keep = Tensors.scalar(1 - beta1);
      Scalar decay = Tensors.scalar(beta2);
      Scalar fresh = Tensors.scalar(1 - beta2);
      Scalar correction = Tensors.scalar(bias2Sqrt);
      Scalar eps = Tensors.scalar(EPS);
      Scalar rate = Tensors.scalar(-stepSize);
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        Tensor g = grads.get(i);
        if (!g.defined()) {
          g = torch.zeros_like(p);
        }
        expAvg.get(i).lerp_(g, keep);
        expAvgSq.get(i).mul_(decay).addcmul_(g, g, fresh);
        Tensor denom = expAvgSq.get(i).sqrt().div_(correction).add_(eps);
        p.addcdiv_(expAvg.get(i), denom, rate);
      }
    }
  }

  /**
   * The state as checkpoint tensors: {@code exp_avg.<name>}, {@code exp_avg_sq.<name>} per
   * parameter and {@code step} (int64 scalar).
   */
  public Map<String, TensorData> state() {
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      for (int i = 0; i < names.size(); i++) {
        out.put("exp_avg." + names.get(i), Tensors.toData(expAvg.get(i)));
        out.put("exp_avg_sq." + names.get(i), Tensors.toData(expAvgSq.get(i)));
      }
      out.put(
          "step",
          Tensors.toData(
              torch.scalar_tensor(
                  Tensors.scalar(step),
                  new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long))));
    }
    return out;
  }

  /**
   * Restores a state written by {@link #state()}, strictly: every parameter's moments with its
   * shape, and nothing else.
   *
   * @throws GpenException naming the file and the first tensor that does not fit
   */
  public void load(StateDict sd) {
    Map<String, Tensor> targets = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      targets.put("exp_avg." + names.get(i), expAvg.get(i));
      targets.put("exp_avg_sq." + names.get(i), expAvgSq.get(i));
    }
    TensorData stepData = sd.get("step");
    if (stepData == null || stepData.shape().length != 0) {
      throw new GpenException(
          sd.source() + ": " + sd.description() + " has no optimiser step count");
    }
    for (String name : sd.tensors().keySet()) {
      if (!name.equals("step") && !targets.containsKey(name)) {
        throw new GpenException(
            sd.source()
                + ": "
                + sd.description()
                + " holds '"
                + name
                + "', which is no parameter of this model");
      }
    }
    for (Map.Entry<String, Tensor> e : targets.entrySet()) {
      TensorData src = sd.get(e.getKey());
      if (src == null) {
        throw new GpenException(
            sd.source() + ": " + sd.description() + " lacks '" + e.getKey() + "'");
      }
      if (!Arrays.equals(src.shape(), Tensors.shape(e.getValue()))) {
        throw new GpenException(
            sd.source()
                + ": "
                + sd.description()
                + " '"
                + e.getKey()
                + "' has shape "
                + src.shapeString()
                + ", the model needs "
                + Tensors.shapeString(e.getValue()));
      }
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : targets.entrySet()) {
        Tensor dst = e.getValue();
        dst.copy_(Tensors.fromData(sd.get(e.getKey())).to(dst.device(), dst.scalar_type()));
      }
      step = Tensors.fromData(stepData).item_long();
    }
  }

  /**
   * Restores the state of a PyTorch {@code torch.optim.Adam.state_dict()} (as {@link
   * io.gpen.checkpoint.Checkpoints#readObject} gives it) when it maps onto these parameters: one
   * parameter group listing as many parameters, each with {@code exp_avg} and {@code exp_avg_sq} of
   * the right shape and one common {@code step}. Parameter i of the group is parameter i here, as
   * both follow the module's registration order.
   *
   * @return null when restored, else why not (the state is then left as it was)
   */
  public String loadTorch(Object optimizerState) {
    if (!(optimizerState instanceof Map<?, ?> top)
        || !(top.get("state") instanceof Map<?, ?> state)
        || !(top.get("param_groups") instanceof List<?> groups)) {
      return "not a torch optimiser state dict";
    }
    if (groups.size() != 1
        || !(groups.get(0) instanceof Map<?, ?> group)
        || !(group.get("params") instanceof List<?> ids)) {
      return groups.size() + " parameter groups, expected 1";
    }
    if (ids.size() != params.size()) {
      return ids.size() + " parameters, the model has " + params.size();
    }
    List<TensorData> avg = new ArrayList<>();
    List<TensorData> avgSq = new ArrayList<>();
    Long common = null;
    for (int i = 0; i < ids.size(); i++) {
      if (!(state.get(ids.get(i)) instanceof Map<?, ?> s)
          || !(s.get("exp_avg") instanceof TensorData m)
          || !(s.get("exp_avg_sq") instanceof TensorData v)) {
        return "no moments for parameter " + i + " (" + names.get(i) + ")";
      }
      long[] shape = Tensors.shape(params.get(i));
      if (!Arrays.equals(m.shape(), shape) || !Arrays.equals(v.shape(), shape)) {
        return "parameter "
            + i
            + " ("
            + names.get(i)
            + ") has moments of shape "
            + m.shapeString()
            + ", the model needs "
            + Arrays.toString(shape);
      }
      Long t = torchStep(s.get("step"));
      if (t == null || (common != null && !common.equals(t))) {
        return "parameters have different or unreadable step counts";
      }
      common = t;
      avg.add(m);
      avgSq.add(v);
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < params.size(); i++) {
        Tensor m = expAvg.get(i);
        Tensor v = expAvgSq.get(i);
        m.copy_(Tensors.fromData(avg.get(i)).to(m.device(), m.scalar_type()));
        v.copy_(Tensors.fromData(avgSq.get(i)).to(v.device(), v.scalar_type()));
      }
    }
    step = common == null ? 0 : common;
    return null;
  }

  /** A torch step count: an int (PyTorch before 1.12) or a scalar tensor (since). */
  private static Long torchStep(Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o instanceof TensorData t && t.shape().length == 0) {
      try (PointerScope scope = new PointerScope()) {
        double d = Tensors.fromData(t).item_double();
        return d == Math.rint(d) && d >= 0 ? (long) d : null;
      }
    }
    return null;
  }

  @Override
  public void close() {
    expAvg.forEach(Tensor::releaseReference);
    expAvgSq.forEach(Tensor::releaseReference);
    expAvg.clear();
    expAvgSq.clear();
  }
}
