package io.gpen.face;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.subtract;

import io.gpen.GpenException;
import io.gpen.checkpoint.Checkpoints;
import io.gpen.checkpoint.StateDict;
import io.gpen.checkpoint.TensorData;
import io.gpen.face.RetinaFace.Backbone;
import io.gpen.nn.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * RetinaFace face detection as GPEN's {@code retinaface_detection.py} does it, on libtorch: the
 * photo as float BGR minus (104, 117, 123), downscaled to a longer side of 1000 when it exceeds
 * 1500, anchors of sizes 16/32, 64/128, 256/512 at strides 8/16/32, box and landmark decoding with
 * variances 0.1 and 0.2, score above 0.9, the 5000 best, suppression at overlap 0.4, at most 750
 * faces, coordinates mapped back to the photo.
 *
 * <p>Loads the reference checkpoints of biubug6/Pytorch_Retinaface and GPEN: ResNet-50 ({@code
 * RetinaFace-R50.pth}, {@code Resnet50_Final.pth}) and MobileNet-0.25 ({@code
 * mobilenet0.25_Final.pth}), PyTorch zip or legacy format, with or without the {@code module.}
 * prefix that DataParallel training leaves; the backbone is recognised from the tensor names.
 */
public final class RetinaFaceDetector implements FaceDetector {
  static final double SCORE_THRESHOLD = 0.9;
  static final double NMS_THRESHOLD = 0.4;
  static final int TOP_K = 5000;
  static final int KEEP_TOP_K = 750;
  private static final int[][] MIN_SIZES = {{16, 32}, {64, 128}, {256, 512}};
  private static final int[] STEPS = {8, 16, 32};
  private static final double CENTER_VARIANCE = 0.1;
  private static final double SIZE_VARIANCE = 0.2;
  private static final String DATA_PARALLEL_PREFIX = "module.";

  private final RetinaFace net;
  private final String description;

  /** Anchors of the last input size, as {cx, cy, w, h} per anchor, in [0,1] image units. */
  private double[] priors = new double[0];

  private int priorsWidth = -1;
  private int priorsHeight = -1;

  RetinaFaceDetector(RetinaFace net, String description) {
    this.net = net;
    this.description = description;
  }

  /**
   * Loads a RetinaFace checkpoint.
   *
   * @throws GpenException naming the file when it is unreadable, not a RetinaFace state dict, or
   *     its tensors do not fit the recognised backbone
   */
  public static RetinaFaceDetector load(Path weights) {
    StateDict sd = stripDataParallel(Checkpoints.read(weights));
    Backbone backbone = backboneOf(sd);
    RetinaFace net = new RetinaFace(backbone);
    try {
      net.loadStateDict(sd, "RetinaFace (" + backbone.label + ")", Set.of());
      net.requiresGrad(false);
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return new RetinaFaceDetector(net, "RetinaFace (" + backbone.label + ") from " + weights);
  }

  private static StateDict stripDataParallel(StateDict sd) {
    boolean all = !sd.tensors().isEmpty();
    for (String name : sd.tensors().keySet()) {
      all &= name.startsWith(DATA_PARALLEL_PREFIX);
    }
    if (!all) {
      return sd;
    }
    Map<String, TensorData> renamed = new LinkedHashMap<>();
    sd.tensors().forEach((k, v) -> renamed.put(k.substring(DATA_PARALLEL_PREFIX.length()), v));
    return new StateDict(sd.source(), sd.description(), renamed, sd.metadata());
  }

  private static Backbone backboneOf(StateDict sd) {
    if (sd.contains("body.stage1.0.0.weight")) {
      return Backbone.MOBILENET_0_25;
    }
    if (sd.contains("body.conv1.weight")) {
      return Backbone.RESNET_50;
    }
    throw new GpenException(
        sd.source()
            + ": not a RetinaFace checkpoint ("
            + sd.description()
            + " has neither body.stage1.0.0.weight (MobileNet-0.25) nor body.conv1.weight (ResNet-50))");
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public List<DetectedFace> detect(Mat bgr) {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("image must be a non-empty CV_8UC3 matrix");
    }
    double ss = Detections.detectionScale(bgr.cols(), bgr.rows());
    List<DetectedFace> found;
    try (Mat input = networkInput(bgr, ss)) {
      found = detectScaled(input);
    }
    if (ss == 1.0) {
      return found;
    }
    List<DetectedFace> mapped = new ArrayList<>(found.size());
    for (DetectedFace f : found) {
      mapped.add(f.scaled(1.0 / ss));
    }
    return mapped;
  }

  /** The photo as float BGR, resized by {@code ss} (in float, as the reference), minus the mean. */
  private static Mat networkInput(Mat bgr, double ss) {
    Mat f = new Mat();
    bgr.convertTo(f, CV_32FC3);
    if (ss != 1.0) {
      Mat small = new Mat();
      try (Size auto = new Size(0, 0)) {
        opencv_imgproc.resize(f, small, auto, ss, ss, opencv_imgproc.INTER_LINEAR);
      }
      f.close();
      f = small;
    }
    // OpenCV takes a 4×1 double matrix as one value per channel.
    try (DoublePointer values = new DoublePointer(104, 117, 123, 0);
        Mat mean = new Mat(4, 1, CV_64F, values)) {
      subtract(f, mean, f);
    }
    return f;
  }

  /** Runs the network on a prepared input and decodes faces in its pixel coordinates. */
  private List<DetectedFace> detectScaled(Mat input) {
    int h = input.rows();
    int w = input.cols();
    float[] loc;
    float[] conf;
    float[] landmarks;
    try (PointerScope scope = new PointerScope();
        InferenceMode mode = new InferenceMode()) {
      FloatPointer data = new FloatPointer(input.data()).capacity((long) h * w * 3);
      // An NHWC view of the OpenCV pixels, seen as NCHW: channels-last, which oneDNN prefers.
      Tensor x =
          torch
              .from_blob(data, new long[] {1, h, w, 3}, new TensorOptions(ScalarType.Float))
              .permute(0, 3, 1, 2);
      RetinaFace.Output out = net.forward(x);
      loc = Tensors.toFloats(out.loc());
      conf = Tensors.toFloats(out.conf());
      landmarks = Tensors.toFloats(out.landmarks());
    }
    double[] p = priors(w, h);
    int n = p.length / 4;
    if (loc.length != 4 * n) {
      throw new IllegalStateException(
          "network gave " + loc.length / 4 + " boxes for " + n + " anchors");
    }
    List<DetectedFace> candidates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double score = conf[2 * i + 1];
      if (score > SCORE_THRESHOLD) {
        candidates.add(decode(p, i, loc, landmarks, score, w, h));
      }
    }
    candidates.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
    if (candidates.size() > TOP_K) {
      candidates = new ArrayList<>(candidates.subList(0, TOP_K));
    }
    return Detections.suppress(candidates, NMS_THRESHOLD, KEEP_TOP_K);
  }

  /** Box and landmarks of anchor {@code i} (decode and decode_landm of box_utils.py), in pixels. */
  private static DetectedFace decode(
      double[] p, int i, float[] loc, float[] lm, double score, int w, int h) {
    double cx = p[4 * i];
    double cy = p[4 * i + 1];
    double pw = p[4 * i + 2];
    double ph = p[4 * i + 3];
    double bx = cx + loc[4 * i] * CENTER_VARIANCE * pw;
    double by = cy + loc[4 * i + 1] * CENTER_VARIANCE * ph;
    double bw = pw * Math.exp(loc[4 * i + 2] * SIZE_VARIANCE);
    double bh = ph * Math.exp(loc[4 * i + 3] * SIZE_VARIANCE);
    double x1 = bx - bw / 2;
    double y1 = by - bh / 2;
    double[] points = new double[2 * DetectedFace.POINTS];
    for (int k = 0; k < DetectedFace.POINTS; k++) {
      points[2 * k] = (cx + lm[10 * i + 2 * k] * CENTER_VARIANCE * pw) * w;
      points[2 * k + 1] = (cy + lm[10 * i + 2 * k + 1] * CENTER_VARIANCE * ph) * h;
    }
    return new DetectedFace(x1 * w, y1 * h, (x1 + bw) * w, (y1 + bh) * h, score, points);
  }

  /**
   * The anchors for a width×height input (PriorBox of prior_box.py): per level, row by row, cell by
   * cell, one anchor per minimum size, centred on the cell.
   */
  double[] priors(int width, int height) {
    if (width == priorsWidth && height == priorsHeight) {
      return priors;
    }
    int count = 0;
    for (int k = 0; k < STEPS.length; k++) {
      count += ceilDiv(height, STEPS[k]) * ceilDiv(width, STEPS[k]) * MIN_SIZES[k].length;
    }
    double[] out = new double[4 * count];
    int o = 0;
    for (int k = 0; k < STEPS.length; k++) {
      int rows = ceilDiv(height, STEPS[k]);
      int cols = ceilDiv(width, STEPS[k]);
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          for (int minSize : MIN_SIZES[k]) {
            out[o++] = (j + 0.5) * STEPS[k] / width;
            out[o++] = (i + 0.5) * STEPS[k] / height;
            out[o++] = (double) minSize / width;
            out[o++] = (double) minSize / height;
          }
        }
      }
    }
    priors = out;
    priorsWidth = width;
    priorsHeight = height;
    return out;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** The network (for tests of its shapes). */
  RetinaFace network() {
    return net;
  }

  @Override
  public void close() {
    net.close();
  }
}
