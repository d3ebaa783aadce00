package io.gpen.spark;

import io.gpen.GpenException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.bytedeco.javacpp.BytePointer;

/**
 * Files on any Hadoop file system, as the jobs read and write them: inputs read into native memory
 * (where OpenCV decodes them, so the Java heap holds nothing that grows with an image), outputs
 * written to a temporary name in the target folder and renamed, so that a reader never sees a
 * partial file, whatever task attempt wrote it.
 *
 * <p>A local file system is used raw, without Hadoop's checksum side files ({@code .name.crc}).
 */
final class HadoopFiles implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What temporary outputs' names end with; they start with a dot, hidden from listings. */
  static final String TEMP_SUFFIX = ".gpen-tmp";

  private static final int CHUNK = 1 << 16;

  /** The Hadoop configuration, sent with the job's functions (it is not serialisable itself). */
  private transient Configuration conf;

  HadoopFiles(Configuration conf) {
    this.conf = conf;
  }

  /** The file system of {@code path}; a local one without checksum files. */
  FileSystem fileSystem(Path path) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  /**
   * The bytes of a file in native memory, from address 0 to {@code limit()}; the caller closes
   * them.
   *
   * @throws GpenException naming the file when it is empty, larger than 2 GB, or cannot be read
   */
  BytePointer read(Path file) {
    try {
      FileSystem fs = fileSystem(file);
      long length = fs.getFileStatus(file).getLen();
      if (length == 0) {
        throw new GpenException("cannot read image " + file + ": file is empty");
      }
      if (length > Integer.MAX_VALUE - 8) {
        throw new GpenException("cannot read image " + file + ": file is larger than 2 GB");
      }
      BytePointer data = new BytePointer(length);
      try (FSDataInputStream in = fs.open(file)) {
        byte[] chunk = new byte[(int) Math.min(CHUNK, length)];
        long at = 0;
        int n;
        while (at < length
            && (n = in.read(chunk, 0, (int) Math.min(chunk.length, length - at))) > 0) {
          data.position(at).put(chunk, 0, n);
          at += n;
        }
        return data.position(0).limit(at);
      } catch (IOException | RuntimeException e) {
        data.close();
        throw e;
      }
    } catch (IOException e) {
      throw new GpenException("cannot read image " + file + ": " + reason(e), e);
    }
  }

  /**
   * Writes {@code bytes} (position to limit) to {@code target}: into a hidden temporary file in the
   * same folder named after the target and {@code attempt}, then renamed onto the target. Where the
   * target exists already (written meanwhile by another attempt of the same task, or earlier and to
   * be overwritten), an identical file is kept as it is and another is replaced.
   *
   * @param attempt what makes the temporary name unique to this task attempt
   * @throws GpenException naming the target when it cannot be written
   */
  void writeAtomically(Path target, ByteBuffer bytes, String attempt) {
    Path temp = new Path(target.getParent(), "." + target.getName() + "." + attempt + TEMP_SUFFIX);
    try {
      FileSystem fs = fileSystem(target);
      try (FSDataOutputStream out = fs.create(temp, true)) {
        ByteBuffer rest = bytes.duplicate();
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, rest.remaining()))];
        while (rest.hasRemaining()) {
          int n = Math.min(chunk.length, rest.remaining());
          rest.get(chunk, 0, n);
          out.write(chunk, 0, n);
        }
      }
      if (fs.rename(temp, target)) {
        return;
      }
      if (!fs.exists(target)) {
        throw new IOException("cannot rename " + temp + " to it");
      }
      if (!sameContent(fs, temp, target)) {
        fs.delete(target, false);
        if (!fs.rename(temp, target)) {
          throw new IOException("cannot rename " + temp + " to it");
        }
        return;
      }
      fs.delete(temp, false);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new GpenException("cannot write " + target + ": " + reason(e), e);
    }
  }

  /** Whether two files hold the same bytes. */
  private static boolean sameContent(FileSystem fs, Path a, Path b) throws IOException {
    FileStatus sa = fs.getFileStatus(a);
    FileStatus sb = fs.getFileStatus(b);
    if (sa.getLen() != sb.getLen()) {
      return false;
    }
    try (InputStream ina = fs.open(a);
        InputStream inb = fs.open(b)) {
      byte[] ba = new byte[CHUNK];
      byte[] bb = new byte[CHUNK];
      int n;
      while ((n = ina.readNBytes(ba, 0, CHUNK)) > 0) {
        if (inb.readNBytes(bb, 0, n) != n || !Arrays.equals(ba, 0, n, bb, 0, n)) {
          return false;
        }
      }
      return true;
    }
  }

  private void deleteQuietly(Path p) {
    try {
      fileSystem(p).delete(p, false);
    } catch (IOException | RuntimeException ignored) {
      // the original failure is what the user needs to see
    }
  }

  /**
   * Deletes the temporary files that attempts named {@code attemptPrefix...} left in {@code dir}
   * (an attempt killed while writing); returns how many.
   */
  int deleteTemporaryFiles(Path dir, String attemptPrefix) throws IOException {
    FileSystem fs = fileSystem(dir);
    int deleted = 0;
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (s.isFile()
          && name.startsWith(".")
          && name.endsWith(TEMP_SUFFIX)
          && name.contains("." + attemptPrefix)) {
        deleted += fs.delete(s.getPath(), false) ? 1 : 0;
      }
    }
    return deleted;
  }

  /** A short reason for an I/O failure. */
  static String reason(Exception e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
