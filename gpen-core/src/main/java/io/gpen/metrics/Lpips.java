package io.gpen.metrics;

import io.gpen.GpenException;
import io.gpen.nn.Conv2d;
import io.gpen.nn.Layer;
import io.gpen.nn.Module;
import io.gpen.nn.Sequential;
import io.gpen.nn.Stateless;
import io.gpen.nn.Tensors;
import io.gpen.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * LPIPS v0.1 with the AlexNet trunk ({@code lpips.LPIPS(net='alex', version='0.1')} of
 * richzhang/PerceptualSimilarity), the perceptual distance GPEN validates with.
 *
 * <p>Weights come from two files, as the reference takes them: the linear heads {@code alex.pth}
 * (registry name {@value #HEADS_REGISTRY_NAME}; names {@code lin0.model.1.weight} ... {@code
 * lin4.model.1.weight}) and the AlexNet trunk of torchvision ({@code alexnet-owt-7be5be79.pth},
 * registry name {@value #TRUNK_REGISTRY_NAME}; names {@code features.0.weight} ... {@code
 * features.10.bias}, its classifier {@code classifier.*} unused and ignored). Both load strictly.
 *
 * <p>Distance: both images are scaled ((x − shift)/scale, the reference's {@code ScalingLayer}),
 * the outputs of AlexNet's five ReLUs are unit-normalised along channels (+1e-10), their squared
 * differences weighted by the heads' 1×1 convolutions, averaged over space and summed over layers.
 */
public final class Lpips extends Module {
  /** The registry name of the linear heads. */
  public static final String HEADS_REGISTRY_NAME = "LPIPS-Alex-v0.1";

  /** The registry name of the AlexNet trunk. */
  public static final String TRUNK_REGISTRY_NAME = "AlexNet-torchvision";

  /** The name results carry. */
  public static final String NAME = "LPIPS";

  private static final int[] CHANNELS = {64, 192, 384, 256, 256};

  /** The features index after which each of the five compared ReLU outputs is taken. */
  private static final int[] TAPS = {1, 4, 7, 9, 11};

  private static final double[] SHIFT = {-.030, -.088, -.188};
  private static final double[] SCALE = {.458, .448, .450};
  private static final double EPS = 1e-10;

  private final Trunk trunk;
  private final Heads heads;

  /** The network with zero weights; {@link #load} gives a usable one. */
  public Lpips() {
    trunk = registerModule("trunk", new Trunk());
    heads = registerModule("heads", new Heads());
    requiresGrad(false);
  }

  /**
   * Reads the heads and the trunk from checkpoints in any format the project reads.
   *
   * @throws GpenException with one line naming the file that does not fit
   */
  public static Lpips load(Path headsFile, Path trunkFile) {
    Lpips net = new Lpips();
    try {
      net.heads.loadStateDict(
          Weights.readWithout(headsFile, name -> false),
          "the LPIPS v0.1 AlexNet linear heads (alex.pth)",
          Set.of());
      net.trunk.loadStateDict(
          Weights.readWithout(trunkFile, name -> name.startsWith("classifier.")),
          "the torchvision AlexNet trunk of LPIPS (alexnet-owt-7be5be79.pth)",
          Set.of());
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /**
   * The network from files or registry names (downloaded when not cached), or skipped where {@code
   * heads} is null or blank.
   *
   * @param heads the linear heads, e.g. {@value #HEADS_REGISTRY_NAME}; null or blank to skip LPIPS
   * @param trunk the AlexNet trunk; null or blank for {@value #TRUNK_REGISTRY_NAME}
   * @throws GpenException where weights are given but cannot be had or do not fit
   */
  public static Loaded<Lpips> open(String heads, String trunk, ModelRegistry registry) {
    if (Weights.absent(heads)) {
      return Loaded.skipped("no LPIPS weights given (" + HEADS_REGISTRY_NAME + ", alex.pth)");
    }
    Path headsFile = registry.resolve(heads);
    Path trunkFile = registry.resolve(Weights.absent(trunk) ? TRUNK_REGISTRY_NAME : trunk);
    return Loaded.of(load(headsFile, trunkFile));
  }

  /**
   * The LPIPS distance of each pair; the result lives in the caller's pointer scope.
   *
   * @param x [N,3,H,W], RGB in [-1, 1], on any device
   * @param y the same shape
   * @return [N] float32 on this network's device
   */
  public Tensor distance(Tensor x, Tensor y) {
    if (x.dim() != 4 || x.size(1) != 3 || !Arrays.equals(Tensors.shape(x), Tensors.shape(y))) {
      throw new IllegalArgumentException(
          "expected two [N,3,H,W] batches of one shape, got "
              + Tensors.shapeString(x)
              + " and "
              + Tensors.shapeString(y));
    }
    try (InferenceMode mode = new InferenceMode()) {
      Tensor w = heads.lins[0].weight;
      Tensor shift = Tensors.fromFloats(floats(SHIFT), 1, 3, 1, 1).to(w.device(), w.scalar_type());
      Tensor scale = Tensors.fromFloats(floats(SCALE), 1, 3, 1, 1).to(w.device(), w.scalar_type());
      Tensor[] f0 = trunk.taps(x.to(w.device(), w.scalar_type()).sub(shift).div(scale));
      Tensor[] f1 = trunk.taps(y.to(w.device(), w.scalar_type()).sub(shift).div(scale));
      Tensor sum = null;
      for (int k = 0; k < CHANNELS.length; k++) {
        Tensor d = unit(f0[k]).sub(unit(f1[k])).pow(new Scalar(2));
        Tensor layer =
            heads.lins[k].forward(d).mean(new long[] {1, 2, 3}, false, new ScalarTypeOptional());
        sum = sum == null ? layer : sum.add(layer);
      }
      return sum;
    }
  }

  /**
   * The LPIPS distance of each pair of 8-bit BGR images (read as v/255 per level, then mapped to
   * [-1, 1] as the reference's {@code im2tensor} does).
   *
   * @param images {@code CV_8UC3} images of one size
   * @param references as many images of the same size
   */
  public double[] distance(List<Mat> images, List<Mat> references) {
    if (images.size() != references.size()) {
      throw new IllegalArgumentException(
          images.size() + " images but " + references.size() + " references");
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor a = ImageTensors.rgb01(images).mul(new Scalar(2.0)).sub(new Scalar(1.0));
      Tensor b = ImageTensors.rgb01(references).mul(new Scalar(2.0)).sub(new Scalar(1.0));
      float[] d = Tensors.toFloats(distance(a, b));
      double[] out = new double[d.length];
      for (int i = 0; i < d.length; i++) {
        out[i] = d[i];
      }
      return out;
    }
  }

  /** x / (‖x‖ over channels + 1e-10), the reference's {@code normalize_tensor}. */
  private static Tensor unit(Tensor x) {
    Tensor norm = x.pow(new Scalar(2)).sum(new long[] {1}, true, new ScalarTypeOptional()).sqrt();
    return x.div(norm.add(new Scalar(EPS)));
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  /** torchvision's {@code alexnet().features}, indices 0..11 (the last max-pool is not used). */
  private static final class Trunk extends Module {
    private final Sequential features;

    Trunk() {
      features = registerModule("features", new Sequential());
      features.add(new Conv2d(3, 64, 11, 11, 4, 2, 2, true));
      features.add(Stateless.reluInPlace());
      features.add(Stateless.maxPool2d(3, 2));
      features.add(new Conv2d(64, 192, 5, 5, 1, 2, 2, true));
      features.add(Stateless.reluInPlace());
      features.add(Stateless.maxPool2d(3, 2));
      features.add(new Conv2d(192, 384, 3, 3, 1, 1, 1, true));
      features.add(Stateless.reluInPlace());
      features.add(new Conv2d(384, 256, 3, 3, 1, 1, 1, true));
      features.add(Stateless.reluInPlace());
      features.add(new Conv2d(256, 256, 3, 3, 1, 1, 1, true));
      features.add(Stateless.reluInPlace());
    }

    /** The outputs of the five ReLUs. */
    Tensor[] taps(Tensor x) {
      List<Layer> layers = features.layers();
      Tensor[] out = new Tensor[TAPS.length];
      // each tap is a ReLU output; the ReLUs work in place only on fresh convolution outputs, so
      // no later layer overwrites a tap
      for (int i = 0, t = 0; t < TAPS.length; i++) {
        x = layers.get(i).forward(x);
        if (i == TAPS[t]) {
          out[t++] = x;
        }
      }
      return out;
    }
  }

  /** The linear heads {@code lin0..lin4}, each {@code model = Sequential(Dropout, Conv2d 1×1)}. */
  private static final class Heads extends Module {
    private final Lin[] lins = new Lin[CHANNELS.length];

    Heads() {
      for (int k = 0; k < CHANNELS.length; k++) {
        lins[k] = registerModule("lin" + k, new Lin(CHANNELS[k]));
      }
    }
  }

  private static final class Lin extends Module {
    private final Sequential model;
    private final Tensor weight;

    Lin(int channels) {
      model = registerModule("model", new Sequential());
      model.add(Stateless.identity());
      weight =
          model.add(new Conv2d(channels, 1, 1, 1, 1, 0, 0, false)).namedParameters().get("weight");
    }

    Tensor forward(Tensor x) {
      return model.forward(x);
    }
  }
}
