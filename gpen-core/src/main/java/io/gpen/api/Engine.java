package io.gpen.api;

/** What runs a face restoration model. */
public enum Engine {
  /** A GPEN checkpoint on libtorch ({@link Restorer}). */
  LIBTORCH("libtorch"),
  /** An ONNX model in ONNX Runtime ({@link io.gpen.onnx.OnnxRestorer}). */
  ONNX("onnx");

  private final String label;

  Engine(String label) {
    this.label = label;
  }

  /** The engine's name in lower case ({@code libtorch}, {@code onnx}). */
  @Override
  public String toString() {
    return label;
  }
}
