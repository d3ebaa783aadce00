package io.gpen.sr;

import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * ESRGAN's residual-in-residual dense block: three {@link ResidualDenseBlock}s ({@code rdb1..3}),
 * scaled by 0.2 and added to the input.
 */
final class Rrdb extends Module implements Layer {
  private final ResidualDenseBlock rdb1;
  private final ResidualDenseBlock rdb2;
  private final ResidualDenseBlock rdb3;

  Rrdb(int numFeat, int numGrowCh) {
    rdb1 = registerModule("rdb1", new ResidualDenseBlock(numFeat, numGrowCh));
    rdb2 = registerModule("rdb2", new ResidualDenseBlock(numFeat, numGrowCh));
    rdb3 = registerModule("rdb3", new ResidualDenseBlock(numFeat, numGrowCh));
  }

  /** The three dense blocks, each one's temporaries freed as it returns ({@link Scopes}). */
  @Override
  public Tensor forward(Tensor x) {
    Tensor a = Scopes.forwardFreeing(rdb1, x);
    Tensor b = Scopes.forwardFreeing(rdb2, a);
    Scopes.drop(a);
    Tensor out = Scopes.forwardFreeing(rdb3, b);
    Scopes.drop(b);
    return out.mul_(new Scalar(ResidualDenseBlock.RESIDUAL_SCALE)).add_(x);
  }
}
