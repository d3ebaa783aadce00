package io.gpen.train.distributed;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The collective operations data-parallel training needs, over the ranks {@code 0 … size − 1} of
 * one training run. {@link #SINGLE} is the one-process run, where every operation leaves its
 * tensors as they are; {@link GlooGroup} is libtorch's c10d Gloo backend across processes.
 *
 * <p>Every rank must call the same operations in the same order with tensors of the same shapes.
 */
public interface Collective {
  /** The one-process run: rank 0 of 1. */
  Collective SINGLE =
      new Collective() {
        @Override
        public int rank() {
          return 0;
        }

        @Override
        public int size() {
          return 1;
        }

        @Override
        public void average(List<Tensor> tensors) {}

        @Override
        public void sum(Tensor tensor) {}

        @Override
        public Tensor gather(Tensor local) {
          return local.detach();
        }

        @Override
        public void broadcast(List<Tensor> tensors) {}
      };

  /** This process's rank. */
  int rank();

  /** The number of ranks. */
  int size();

  /** Replaces each (defined) tensor by its mean over the ranks, in place. */
  void average(List<Tensor> tensors);

  /** Replaces {@code tensor} by its sum over the ranks, in place. */
  void sum(Tensor tensor);

  /**
   * Every rank's {@code local} (same shape on each), concatenated along dimension 0 in rank order;
   * a new tensor without autograd history.
   */
  Tensor gather(Tensor local);

  /** Copies rank 0's values into {@code tensors} on every rank. */
  void broadcast(List<Tensor> tensors);
}
