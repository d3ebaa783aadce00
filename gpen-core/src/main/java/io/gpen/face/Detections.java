package io.gpen.face;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the detectors share: the reference's downscaling of large photos and its box suppression.
 */
final class Detections {
  /**
   * Photos whose longer side exceeds this are downscaled for detection (retinaface_detection.py).
   */
  static final int LARGE_SIDE = 1500;

  /** ... to this longer side. */
  static final double DETECTION_SIDE = 1000.0;

  private Detections() {}

  /** The factor to resize a width×height photo by before detection: 1, or 1000/longer side. */
  static double detectionScale(int width, int height) {
    int longer = Math.max(width, height);
    return longer > LARGE_SIDE ? DETECTION_SIDE / longer : 1.0;
  }

  /**
   * Greedy non-maximum suppression as the reference's {@code py_cpu_nms}: most confident first, a
   * box is dropped when its overlap with a kept one exceeds {@code threshold}. Box sizes count
   * pixels inclusively (width x2 - x1 + 1), as there.
   */
  static List<DetectedFace> suppress(List<DetectedFace> faces, double threshold, int keep) {
    List<DetectedFace> order = new ArrayList<>(faces);
    order.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
    List<DetectedFace> kept = new ArrayList<>();
    boolean[] dropped = new boolean[order.size()];
    for (int i = 0; i < order.size() && kept.size() < keep; i++) {
      if (dropped[i]) {
        continue;
      }
      DetectedFace a = order.get(i);
      kept.add(a);
      double areaA = (a.x2() - a.x1() + 1) * (a.y2() - a.y1() + 1);
      for (int j = i + 1; j < order.size(); j++) {
        if (dropped[j]) {
          continue;
        }
        DetectedFace b = order.get(j);
        double w = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()) + 1);
        double h = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()) + 1);
        double inter = w * h;
        double areaB = (b.x2() - b.x1() + 1) * (b.y2() - b.y1() + 1);
        if (inter / (areaA + areaB - inter) > threshold) {
          dropped[j] = true;
        }
      }
    }
    return kept;
  }
}
