package io.gpen.metrics;

import io.gpen.nn.BatchNorm;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The blocks of torchvision's {@code Inception3} as pytorch-fid patches them for FID ({@code
 * FIDInceptionA}, {@code FIDInceptionC}, {@code FIDInceptionE_1}, {@code FIDInceptionE_2}), with
 * torchvision's attribute names so that the state dict names match {@code pt_inception-2015-12-05}.
 * The patches: the pooling branches of A, C and E average without counting the zero padding (as
 * TensorFlow's pool does), and the last E block max-pools instead.
 */
final class InceptionBlocks {
  private InceptionBlocks() {}

  /** torchvision's {@code BasicConv2d}: convolution without bias, batch norm (eps 0.001), ReLU. */
  static final class BasicConv2d extends Module implements Layer {
    private final Conv2d conv;
    private final BatchNorm bn;

    BasicConv2d(int in, int out, int kernel) {
      this(in, out, kernel, kernel, 1, 0, 0);
    }

    BasicConv2d(int in, int out, int kh, int kw, int stride, int padH, int padW) {
      conv = registerModule("conv", new Conv2d(in, out, kh, kw, stride, padH, padW, false));
      bn = registerModule("bn", BatchNorm.withoutCounter(out, 0.001));
    }

    @Override
    public Tensor forward(Tensor x) {
      return bn.forward(conv.forward(x)).relu_();
    }
  }

  /** A square-kernel BasicConv2d with stride 1 and "same" padding. */
  private static BasicConv2d same(int in, int out, int kernel) {
    return new BasicConv2d(in, out, kernel, kernel, 1, kernel / 2, kernel / 2);
  }

  /** A 1×k BasicConv2d (one row, e.g. torchvision's kernel_size=(1, 7)) with "same" padding. */
  private static BasicConv2d row(int in, int out, int k) {
    return new BasicConv2d(in, out, 1, k, 1, 0, k / 2);
  }

  /** A k×1 BasicConv2d (one column, e.g. kernel_size=(7, 1)) with "same" padding. */
  private static BasicConv2d column(int in, int out, int k) {
    return new BasicConv2d(in, out, k, 1, 1, k / 2, 0);
  }

  /** 3×3 average pooling, stride 1, padding 1, dividing by the number of real pixels only. */
  private static Tensor avgPoolExcludingPad(Tensor x) {
    long[] three = {3, 3};
    long[] one = {1, 1};
    return torch.avg_pool2d(x, three, one, one, false, false, new LongOptional());
  }

  private static Tensor maxPool3x3Stride1(Tensor x) {
    long[] one = {1, 1};
    return torch.max_pool2d(x, new long[] {3, 3}, one, one, one, false);
  }

  private static Tensor maxPool3x3Stride2(Tensor x) {
    return torch.max_pool2d(
        x, new long[] {3, 3}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false);
  }

  private static Tensor cat(Tensor... parts) {
    TensorVector v = new TensorVector();
    for (Tensor t : parts) {
      v.push_back(t);
    }
    return torch.cat(v, 1);
  }

  /** {@code FIDInceptionA} (Mixed_5b/5c/5d): 64 + 64 + 96 + pool_features channels out. */
  static final class A extends Module implements Layer {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch5x5_1;
    private final BasicConv2d branch5x5_2;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;
    private final BasicConv2d branchPool;

    A(int in, int poolFeatures) {
      branch1x1 = registerModule("branch1x1", new BasicConv2d(in, 64, 1));
      branch5x5_1 = registerModule("branch5x5_1", new BasicConv2d(in, 48, 1));
      branch5x5_2 = registerModule("branch5x5_2", same(48, 64, 5));
      branch3x3dbl_1 = registerModule("branch3x3dbl_1", new BasicConv2d(in, 64, 1));
      branch3x3dbl_2 = registerModule("branch3x3dbl_2", same(64, 96, 3));
      branch3x3dbl_3 = registerModule("branch3x3dbl_3", same(96, 96, 3));
      branchPool = registerModule("branch_pool", new BasicConv2d(in, poolFeatures, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor b1 = branch1x1.forward(x);
      Tensor b5 = branch5x5_2.forward(branch5x5_1.forward(x));
      Tensor b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
      Tensor bp = branchPool.forward(avgPoolExcludingPad(x));
      return cat(b1, b5, b3, bp);
    }
  }

  /** torchvision's {@code InceptionB} (Mixed_6a): the 35×35 to 17×17 reduction. */
  static final class B extends Module implements Layer {
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;

    B(int in) {
      branch3x3 = registerModule("branch3x3", new BasicConv2d(in, 384, 3, 3, 2, 0, 0));
      branch3x3dbl_1 = registerModule("branch3x3dbl_1", new BasicConv2d(in, 64, 1));
      branch3x3dbl_2 = registerModule("branch3x3dbl_2", same(64, 96, 3));
      branch3x3dbl_3 = registerModule("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 3, 2, 0, 0));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor b3 = branch3x3.forward(x);
      Tensor bd = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
      return cat(b3, bd, maxPool3x3Stride2(x));
    }
  }

  /** {@code FIDInceptionC} (Mixed_6b..6e): factorised 7×7 convolutions, 768 channels out. */
  static final class C extends Module implements Layer {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch7x7_1;
    private final BasicConv2d branch7x7_2;
    private final BasicConv2d branch7x7_3;
    private final BasicConv2d branch7x7dbl_1;
    private final BasicConv2d branch7x7dbl_2;
    private final BasicConv2d branch7x7dbl_3;
    private final BasicConv2d branch7x7dbl_4;
    private final BasicConv2d branch7x7dbl_5;
    private final BasicConv2d branchPool;

    C(int in, int c7) {
      branch1x1 = registerModule("branch1x1", new BasicConv2d(in, 192, 1));
      branch7x7_1 = registerModule("branch7x7_1", new BasicConv2d(in, c7, 1));
      branch7x7_2 = registerModule("branch7x7_2", row(c7, c7, 7));
      branch7x7_3 = registerModule("branch7x7_3", column(c7, 192, 7));
      branch7x7dbl_1 = registerModule("branch7x7dbl_1", new BasicConv2d(in, c7, 1));
      branch7x7dbl_2 = registerModule("branch7x7dbl_2", column(c7, c7, 7));
      branch7x7dbl_3 = registerModule("branch7x7dbl_3", row(c7, c7, 7));
      branch7x7dbl_4 = registerModule("branch7x7dbl_4", column(c7, c7, 7));
      branch7x7dbl_5 = registerModule("branch7x7dbl_5", row(c7, 192, 7));
      branchPool = registerModule("branch_pool", new BasicConv2d(in, 192, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor b1 = branch1x1.forward(x);
      Tensor b7 = branch7x7_3.forward(branch7x7_2.forward(branch7x7_1.forward(x)));
      Tensor bd = branch7x7dbl_1.forward(x);
      bd = branch7x7dbl_3.forward(branch7x7dbl_2.forward(bd));
      bd = branch7x7dbl_5.forward(branch7x7dbl_4.forward(bd));
      Tensor bp = branchPool.forward(avgPoolExcludingPad(x));
      return cat(b1, b7, bd, bp);
    }
  }

  /** torchvision's {@code InceptionD} (Mixed_7a): the 17×17 to 8×8 reduction. */
  static final class D extends Module implements Layer {
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2;
    private final BasicConv2d branch7x7x3_1;
    private final BasicConv2d branch7x7x3_2;
    private final BasicConv2d branch7x7x3_3;
    private final BasicConv2d branch7x7x3_4;

    D(int in) {
      branch3x3_1 = registerModule("branch3x3_1", new BasicConv2d(in, 192, 1));
      branch3x3_2 = registerModule("branch3x3_2", new BasicConv2d(192, 320, 3, 3, 2, 0, 0));
      branch7x7x3_1 = registerModule("branch7x7x3_1", new BasicConv2d(in, 192, 1));
      branch7x7x3_2 = registerModule("branch7x7x3_2", row(192, 192, 7));
      branch7x7x3_3 = registerModule("branch7x7x3_3", column(192, 192, 7));
      branch7x7x3_4 = registerModule("branch7x7x3_4", new BasicConv2d(192, 192, 3, 3, 2, 0, 0));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor b3 = branch3x3_2.forward(branch3x3_1.forward(x));
      Tensor b7 = branch7x7x3_2.forward(branch7x7x3_1.forward(x));
      b7 = branch7x7x3_4.forward(branch7x7x3_3.forward(b7));
      return cat(b3, b7, maxPool3x3Stride2(x));
    }
  }

  /**
   * {@code FIDInceptionE_1} (Mixed_7b, average pooling without the padding) or {@code
   * FIDInceptionE_2} (Mixed_7c, max pooling): 2048 channels out.
   */
  static final class E extends Module implements Layer {
    private final boolean maxPool;
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2a;
    private final BasicConv2d branch3x3_2b;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3a;
    private final BasicConv2d branch3x3dbl_3b;
    private final BasicConv2d branchPool;

    E(int in, boolean maxPool) {
      this.maxPool = maxPool;
      branch1x1 = registerModule("branch1x1", new BasicConv2d(in, 320, 1));
      branch3x3_1 = registerModule("branch3x3_1", new BasicConv2d(in, 384, 1));
      branch3x3_2a = registerModule("branch3x3_2a", row(384, 384, 3));
      branch3x3_2b = registerModule("branch3x3_2b", column(384, 384, 3));
      branch3x3dbl_1 = registerModule("branch3x3dbl_1", new BasicConv2d(in, 448, 1));
      branch3x3dbl_2 = registerModule("branch3x3dbl_2", same(448, 384, 3));
      branch3x3dbl_3a = registerModule("branch3x3dbl_3a", row(384, 384, 3));
      branch3x3dbl_3b = registerModule("branch3x3dbl_3b", column(384, 384, 3));
      branchPool = registerModule("branch_pool", new BasicConv2d(in, 192, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor b1 = branch1x1.forward(x);
      Tensor b3 = branch3x3_1.forward(x);
      Tensor bd = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
      Tensor pooled = maxPool ? maxPool3x3Stride1(x) : avgPoolExcludingPad(x);
      Tensor bp = branchPool.forward(pooled);
      return cat(
          b1,
          branch3x3_2a.forward(b3),
          branch3x3_2b.forward(b3),
          branch3x3dbl_3a.forward(bd),
          branch3x3dbl_3b.forward(bd),
          bp);
    }
  }
}
