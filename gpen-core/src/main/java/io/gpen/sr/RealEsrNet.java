package io.gpen.sr;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REFLECT_101;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.gpen.GpenException;
import io.gpen.image.Images;
import io.gpen.nn.Layer;
import io.gpen.nn.Precision;
import io.gpen.nn.Tensors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * Super-resolves whole photos with an {@link RrdbNet}, as the reference's {@code
 * RealESRNet.process}: 8-bit BGR in, {@code v / 255} as float RGB, the image reflect-padded on the
 * right and bottom to a multiple of 2 (×2) or 4 (×1) for the network's pixel-unshuffle, the network
 * run on the whole image or tile by tile ({@code tile_process}, 10 pixels of context around each
 * tile, see {@link SrTiles}), the padding cut off again, the result clamped to [0, 1], scaled by
 * 255, rounded half to even and returned as 8-bit BGR {@code scale} times the input's size.
 *
 * <p>Where this differs from the reference, it is where the reference fails or slips:
 *
 * <ul>
 *   <li>The padding is cut off in output pixels: the result is exactly {@code scale·H × scale·W}.
 *       The reference subtracts the input padding from the output size, so at ×2 an odd side comes
 *       out one pixel longer than twice the input (the extra row is super-resolved reflection).
 *   <li>Tiles whose padded sides would not divide by the unshuffle get a little more context
 *       instead of failing ({@link SrTiles}).
 *   <li>A tile whose core lies wholly in the reflect padding is not run (its pixels are cut off
 *       anyway).
 * </ul>
 *
 * <p>Tiling bounds the network's working memory by the tile, not the photo: the network only ever
 * sees one padded tile (at most {@code tileSize + 20} pixels a side, plus up to 3 per side for the
 * grid), and each tile's result is written into the 8-bit output before the next tile runs. The
 * 10-pixel context is far less than the network's receptive field (about 23 blocks × 15
 * convolutions), so tiles do not reproduce the untiled result at their seams: each output pixel is
 * the network's answer for the context its tile saw. One tile covering the image gives exactly the
 * untiled result.
 *
 * <p>One instance may be shared by several threads: calls run one at a time. Close it to free the
 * weights.
 */
public final class RealEsrNet implements AutoCloseable {
  /** Context around each tile, in input pixels ({@code tile_pad}). */
  public static final int TILE_PAD = 10;

  /** The network input of each 8-bit level: {@code v / 255} in float32. */
  private static final float[] LEVELS = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      LEVELS[v] = v / 255f;
    }
  }

  private final Layer network;
  private final RrdbNet.Layout layout;
  private final AutoCloseable owner;
  private final String description;
  private final Precision precision;
  private boolean closed;

  /** Runs {@code net}, which it owns from now on (closing this closes it). */
  public RealEsrNet(RrdbNet net, String description) {
    this(net, description, Precision.FP32);
  }

  /**
   * Runs {@code net} in {@code precision} (its weights converted now), which it owns from now on
   * (closing this closes it). In bf16 the whole network runs in bfloat16. The description ends with
   * the precision where that is not fp32 ({@link Precision#descriptionSuffix}).
   */
  public RealEsrNet(RrdbNet net, String description, Precision precision) {
    this(convert(net, precision), net.layout(), net, description, precision);
  }

  /**
   * Runs {@code network} (a network of {@code layout}, or a test's wrapper of one); closes {@code
   * owner} when closed.
   */
  RealEsrNet(Layer network, RrdbNet.Layout layout, AutoCloseable owner, String description) {
    this(network, layout, owner, description, Precision.FP32);
  }

  private RealEsrNet(
      Layer network,
      RrdbNet.Layout layout,
      AutoCloseable owner,
      String description,
      Precision precision) {
    this.precision = precision;
    this.network = network;
    this.layout = layout;
    this.owner = owner;
    this.description = description + precision.descriptionSuffix();
  }

  /**
   * Loads an RRDBNet checkpoint ({@link RrdbNet#load}), such as GPEN's {@code
   * realesrnet_x1/x2/x4.pth}.
   *
   * @throws GpenException naming the file when it cannot be read, holds no RRDBNet, or its tensors
   *     do not fit the network they describe
   */
  public static RealEsrNet load(Path weights) {
    return load(weights, Precision.FP32);
  }

  /** Loads an RRDBNet checkpoint as {@link #load(Path)} to run in {@code precision}. */
  public static RealEsrNet load(Path weights, Precision precision) {
    RrdbNet net = RrdbNet.load(weights);
    return new RealEsrNet(net, net.describe() + " from " + weights, precision);
  }

  private static RrdbNet convert(RrdbNet net, Precision precision) {
    if (precision != Precision.FP32) {
      net.convert(precision.scalarType());
    }
    return net;
  }

  public String description() {
    return description;
  }

  /** How many times larger the output is than the input: 1, 2 or 4. */
  public int scale() {
    return layout.scale();
  }

  /**
   * {@code image} resized bilinearly to the size {@link #process} gives it ({@code scale()} times
   * its width and height): what the reference detects faces on beside the super-resolved photo, and
   * how it enlarges an alpha plane. A new image of {@code image}'s type.
   */
  public Mat resizeToOutput(Mat image) {
    int s = scale();
    return Images.resize(image, image.cols() * s, image.rows() * s, INTER_LINEAR);
  }

  /** {@link #process(Mat, int)} without tiling. */
  public Mat process(Mat bgr) {
    return process(bgr, 0);
  }

  /**
   * The super-resolved photo: a new 8-bit BGR image of {@code scale()} times the input's width and
   * height. The input is not modified.
   *
   * @param bgr an 8-bit BGR image ({@code CV_8UC3}) of any size
   * @param tileSize the side of the tiles (input pixels) the network runs on, each with {@link
   *     #TILE_PAD} pixels of context; 0 runs the whole image at once
   */
  public synchronized Mat process(Mat bgr, int tileSize) {
    if (closed) {
      throw new IllegalStateException("super-resolution network is closed");
    }
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    if (tileSize < 0) {
      throw new IllegalArgumentException(
          "tile size must be 0 (no tiling) or positive, got " + tileSize);
    }
    int h = bgr.rows();
    int w = bgr.cols();
    int s = layout.scale();
    int align = layout.unshuffle();
    int padH = (align - h % align) % align;
    int padW = (align - w % align) % align;
    Mat padded = bgr;
    if (padH > 0 || padW > 0) {
      // F.pad(mode='reflect') mirrors without repeating the edge: OpenCV's reflect-101
      padded = new Mat();
      try (Scalar zero = Scalar.all(0)) {
        opencv_core.copyMakeBorder(bgr, padded, 0, padH, 0, padW, BORDER_REFLECT_101, zero);
      }
    }
    Mat out = new Mat(h * s, w * s, CV_8UC3);
    try {
      for (SrTiles.Tile t : SrTiles.plan(w + padW, h + padH, tileSize, TILE_PAD, align)) {
        runTile(padded, t, out, h, w);
      }
    } catch (RuntimeException e) {
      out.close();
      throw e;
    } finally {
      if (padded != bgr) {
        padded.close();
      }
    }
    return out;
  }

  /** Runs one tile and writes its core, less any reflect padding, into {@code out}. */
  private void runTile(Mat padded, SrTiles.Tile t, Mat out, int h, int w) {
    int keepW = Math.min(t.x1(), w) - t.x0();
    int keepH = Math.min(t.y1(), h) - t.y0();
    if (keepW <= 0 || keepH <= 0) {
      return;
    }
    int s = layout.scale();
    float[] result;
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      // channels-last: the layout oneDNN's convolutions run fastest on the CPU
      Tensor x = Tensors.fromFloats(input(padded, t), 1, 3, t.paddedHeight(), t.paddedWidth());
      if (precision != Precision.FP32) {
        x = x.to(precision.scalarType());
      }
      x = x.contiguous(MemoryFormat.ChannelsLast);
      Tensor y = network.forward(x);
      Tensor core =
          y.narrow(2, (long) (t.y0() - t.py0()) * s, (long) keepH * s)
              .narrow(3, (long) (t.x0() - t.px0()) * s, (long) keepW * s);
      result = Tensors.toFloats(core);
    }
    write(result, keepW * s, keepH * s, out, t.x0() * s, t.y0() * s);
  }

  /** The padded region of the tile as channel-major RGB in [0, 1]. */
  private static float[] input(Mat padded, SrTiles.Tile t) {
    int tw = t.paddedWidth();
    int th = t.paddedHeight();
    int plane = tw * th;
    float[] chw = new float[3 * plane];
    ByteBuffer px = pixels(padded);
    long step = padded.step();
    for (int y = 0, o = 0; y < th; y++) {
      int i = (int) ((t.py0() + y) * step) + 3 * t.px0();
      for (int x = 0; x < tw; x++, o++, i += 3) {
        chw[2 * plane + o] = LEVELS[px.get(i) & 0xff];
        chw[plane + o] = LEVELS[px.get(i + 1) & 0xff];
        chw[o] = LEVELS[px.get(i + 2) & 0xff];
      }
    }
    return chw;
  }

  /** Writes channel-major RGB floats as 8-bit BGR at ({@code ox}, {@code oy}) of {@code out}. */
  private static void write(float[] chw, int width, int height, Mat out, int ox, int oy) {
    int plane = width * height;
    ByteBuffer px = pixels(out);
    long step = out.step();
    for (int y = 0, o = 0; y < height; y++) {
      int i = (int) ((oy + y) * step) + 3 * ox;
      for (int x = 0; x < width; x++, o++, i += 3) {
        px.put(i, toLevel(chw[2 * plane + o]));
        px.put(i + 1, toLevel(chw[plane + o]));
        px.put(i + 2, toLevel(chw[o]));
      }
    }
  }

  /** clamp to [0, 1], times 255 in float, rounded half to even (NumPy's round), to 8 bits. */
  static byte toLevel(float v) {
    // NaN passes both comparisons and becomes 0 in the cast, as NumPy's cast gives on x86
    float c = v < 0f ? 0f : (v > 1f ? 1f : v);
    return (byte) (int) Math.rint(c * 255f);
  }

  private static ByteBuffer pixels(Mat m) {
    long bytes = (m.rows() - 1) * m.step() + (long) m.cols() * m.elemSize();
    return m.data().capacity(bytes).asByteBuffer();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        owner.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + description, e);
      }
    }
  }

  /**
   * The tiles {@link #process(Mat, int)} runs for an image of this size (for tests of the tiling).
   */
  List<SrTiles.Tile> tiles(int width, int height, int tileSize) {
    int align = layout.unshuffle();
    return SrTiles.plan(
        width + (align - width % align) % align,
        height + (align - height % align) % align,
        tileSize,
        TILE_PAD,
        align);
  }
}
