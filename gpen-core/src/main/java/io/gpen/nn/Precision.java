package io.gpen.nn;

import io.gpen.BadParameter;
import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The number format inference runs its convolutions in. {@link #FP32} is the reference arithmetic;
 * {@link #BF16} keeps the convolution weights and the activations between them in bfloat16, which
 * CPUs with AVX-512-BF16 (and AMX) multiply several times faster than float32, while the parts of a
 * network whose range or precision matters stay in float32 (each network documents which). bfloat16
 * has float32's exponent range, so unlike float16 nothing overflows; it keeps 8 significant bits,
 * so results differ from float32's by rounding.
 */
public enum Precision {
  /** float32 throughout: the reference arithmetic. */
  FP32(ScalarType.Float),
  /** bfloat16 convolutions and activations, float32 where the network needs it. */
  BF16(ScalarType.BFloat16);

  private final ScalarType scalarType;

  Precision(ScalarType scalarType) {
    this.scalarType = scalarType;
  }

  /** The libtorch type of the convolutions' weights and activations. */
  public ScalarType scalarType() {
    return scalarType;
  }

  /** Its name in options: {@code fp32} or {@code bf16}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * What a network's description says of this precision: nothing at {@link #FP32} (the default),
   * {@code ", bf16"} otherwise.
   */
  public String descriptionSuffix() {
    return this == FP32 ? "" : ", " + label();
  }

  /**
   * The precision named {@code fp32} or {@code bf16} (any case).
   *
   * @throws BadParameter naming {@code precision} for any other name
   */
  public static Precision of(String name) {
    for (Precision p : values()) {
      if (p.label().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw BadParameter.of("precision", "must be fp32 or bf16, got '" + name + "'");
  }
}
