package io.gpen.video;

import io.gpen.face.DetectedFace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Follows faces from frame to frame: each frame's detections are matched to the faces of the
 * previous detection by the overlap of their boxes (intersection over union, greedily, best pairs
 * first, at least {@value #MIN_OVERLAP}), and each track's landmarks and box go through its own
 * {@link OneEuroFilter}. A detection that matches no track starts one; a track that no detection
 * matches ends (a scene cut or a face leaving starts afresh instead of being dragged along).
 *
 * <p>Not thread-safe: one tracker per video, fed its frames in order.
 */
public final class FaceTracker {
  /** The least overlap of boxes in consecutive detections of the same face. */
  static final double MIN_OVERLAP = 0.5;

  /** A face of a frame: its track and its (smoothed) box and landmarks. */
  public record Tracked(int track, DetectedFace face) {}

  private final Smoothing smoothing;
  private List<Track> tracks = new ArrayList<>();
  private int started;

  public FaceTracker(Smoothing smoothing) {
    this.smoothing = smoothing;
  }

  /**
   * Takes the detections of the frame at {@code seconds} and returns its faces, in the order of
   * their tracks.
   */
  public List<Tracked> update(List<DetectedFace> detections, double seconds) {
    List<double[]> pairs = new ArrayList<>();
    for (int t = 0; t < tracks.size(); t++) {
      for (int d = 0; d < detections.size(); d++) {
        double overlap = overlap(tracks.get(t).detected, detections.get(d));
        if (overlap >= MIN_OVERLAP) {
          pairs.add(new double[] {overlap, t, d});
        }
      }
    }
    pairs.sort(Comparator.comparingDouble((double[] p) -> -p[0]));
    Track[] matched = new Track[detections.size()];
    boolean[] taken = new boolean[tracks.size()];
    for (double[] p : pairs) {
      int t = (int) p[1];
      int d = (int) p[2];
      if (!taken[t] && matched[d] == null) {
        taken[t] = true;
        matched[d] = tracks.get(t);
      }
    }
    List<Track> next = new ArrayList<>();
    for (int d = 0; d < detections.size(); d++) {
      Track track =
          matched[d] != null ? matched[d] : new Track(started++, new OneEuroFilter(smoothing));
      track.observe(detections.get(d), seconds);
      next.add(track);
    }
    next.sort(Comparator.comparingInt(t -> t.id));
    tracks = next;
    return current();
  }

  /**
   * The faces of the latest detection, for a frame that is not searched (detection every k frames).
   */
  public List<Tracked> current() {
    List<Tracked> faces = new ArrayList<>();
    for (Track t : tracks) {
      faces.add(new Tracked(t.id, t.smoothed));
    }
    return faces;
  }

  /** How many tracks have started: the faces seen, counting a face again after it was lost. */
  public int tracksStarted() {
    return started;
  }

  /** Intersection over union of two boxes. */
  static double overlap(DetectedFace a, DetectedFace b) {
    double w = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
    double h = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
    if (w <= 0 || h <= 0) {
      return 0;
    }
    double inter = w * h;
    return inter / (a.width() * a.height() + b.width() * b.height() - inter);
  }

  private static final class Track {
    final int id;
    final OneEuroFilter filter;
    DetectedFace detected;
    DetectedFace smoothed;

    Track(int id, OneEuroFilter filter) {
      this.id = id;
      this.filter = filter;
    }

    void observe(DetectedFace face, double seconds) {
      detected = face;
      double[] landmarks = face.landmarks();
      double[] x = new double[landmarks.length + 4];
      System.arraycopy(landmarks, 0, x, 0, landmarks.length);
      int n = landmarks.length;
      x[n] = face.x1();
      x[n + 1] = face.y1();
      x[n + 2] = face.x2();
      x[n + 3] = face.y2();
      double scale = Math.sqrt(Math.max(1, face.width() * face.height()));
      double[] f = filter.filter(x, seconds, scale);
      smoothed =
          new DetectedFace(f[n], f[n + 1], f[n + 2], f[n + 3], face.score(), Arrays.copyOf(f, n));
    }
  }
}
