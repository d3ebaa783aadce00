package io.gpen.checkpoint;

/** Element types a checkpoint tensor can hold, with their size in bytes. */
public enum DType {
  FLOAT32(4, "F32"),
  FLOAT64(8, "F64"),
  FLOAT16(2, "F16"),
  BFLOAT16(2, "BF16"),
  INT64(8, "I64"),
  INT32(4, "I32"),
  INT16(2, "I16"),
  INT8(1, "I8"),
  UINT8(1, "U8"),
  BOOL(1, "BOOL");

  private final int byteSize;
  private final String safetensorsName;

  DType(int byteSize, String safetensorsName) {
    this.byteSize = byteSize;
    this.safetensorsName = safetensorsName;
  }

  public int byteSize() {
    return byteSize;
  }

  /** The dtype name used in safetensors headers ("F32", "I64", ...). */
  public String safetensorsName() {
    return safetensorsName;
  }

  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
  }
}
