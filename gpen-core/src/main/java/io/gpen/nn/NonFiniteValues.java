package io.gpen.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The tensors of a checkpoint that hold NaN or infinity, counted with libtorch and summarised on
 * one line.
 */
final class NonFiniteValues {
  private static final int SHOWN = 6;

  private final List<String> tensors = new ArrayList<>();

  /**
   * Counts the NaN and infinite elements of {@code t}: one pass (isfinite, all) for the usual
   * all-finite tensor, two more only for a tensor that has some. Integer tensors are always finite.
   */
  void check(String name, Tensor t) {
    if (!t.is_floating_point()) {
      return;
    }
    try (Tensor finite = torch.isfinite(t);
        Tensor all = finite.all()) {
      if (all.item_bool()) {
        return;
      }
    }
    try (Tensor nanMask = torch.isnan(t);
        Tensor nanSum = nanMask.sum();
        Tensor infMask = torch.isinf(t);
        Tensor infSum = infMask.sum()) {
      long nan = nanSum.item_long();
      long inf = infSum.item_long();
      List<String> counts = new ArrayList<>();
      if (nan > 0) {
        counts.add(nan + " NaN");
      }
      if (inf > 0) {
        counts.add(inf + " infinite");
      }
      tensors.add(name + " (" + String.join(", ", counts) + ")");
    }
  }

  boolean isEmpty() {
    return tensors.isEmpty();
  }

  /** E.g. {@code 2 tensors hold non-finite values: a.weight (3 NaN), b.bias (1 infinite)}. */
  @Override
  public String toString() {
    List<String> shown = tensors.subList(0, Math.min(SHOWN, tensors.size()));
    String more = tensors.size() > SHOWN ? ", ... " + (tensors.size() - SHOWN) + " more" : "";
    return tensors.size()
        + (tensors.size() == 1 ? " tensor holds" : " tensors hold")
        + " non-finite values: "
        + String.join(", ", shown)
        + more;
  }
}
