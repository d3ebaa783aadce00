package io.gpen.bench;

import io.gpen.model.GpenConfig;

/**
 * Arithmetic of one GPEN forward pass per face, counted from the architecture (a multiply-add is
 * two operations): convolutions, transposed convolutions, FIR blurs, linear layers and the style
 * modulations. Element-wise work (activations, noise injection) is left out.
 */
public final class Flops {
  private static final int FIR_TAPS = 16;

  private Flops() {}

  /** Floating-point operations of one face through {@code FullGenerator.forward}. */
  public static double generator(GpenConfig c) {
    int s = c.size();
    int log = c.logSize();
    int mult = c.isConcat() ? 2 : 1;
    int style = c.styleDim();
    double f = 0;
    // encoder: 1×1 input layer, then blur + 3×3 stride-2 per stage
    f += conv(3, c.channels(s), 1, s);
    for (int i = log; i >= 3; i--) {
      int res = 1 << i;
      int in = c.channels(res);
      f += 2.0 * FIR_TAPS * in * (res + 1) * (res + 1);
      f += conv(in, c.channels(res / 2), 3, res / 2);
    }
    f += 2.0 * c.channels(4) * 16 * style; // final_linear
    f += 2.0 * style * style * c.nMlp(); // mapping network
    // decoder: constant → conv1 → to_rgb1, then per resolution up-conv, conv, to_rgb
    int in = c.channels(4);
    f += styled(in, in, 4, style);
    f += rgb(in * mult, 4, style);
    for (int i = 3; i <= log; i++) {
      int res = 1 << i;
      int out = c.channels(res);
      // stride-2 transposed 3×3 at the input resolution, then the 4×4 blur at the output one
      f += 2.0 * in * mult * out * 9 * (res / 2) * (res / 2) + 2.0 * FIR_TAPS * out * res * res;
      f += modulation(in * mult, out, 3, style);
      f += styled(out * mult, out, res, style);
      f += rgb(out * mult, res, style);
      in = out;
    }
    return f;
  }

  private static double conv(int in, int out, int k, int res) {
    return 2.0 * in * out * k * k * res * res;
  }

  private static double styled(int in, int out, int res, int style) {
    return conv(in, out, 3, res) + modulation(in, out, 3, style);
  }

  private static double rgb(int in, int res, int style) {
    return conv(in, 3, 1, res) + modulation(in, 3, 1, style);
  }

  /** The style's affine map plus scaling (and demodulating) the weight. */
  private static double modulation(int in, int out, int k, int style) {
    return 2.0 * style * in + 3.0 * out * in * k * k;
  }
}
