/**
 * Checkpoint files in and out, in pure Java (no libtorch): tensors arrive as {@link
 * io.gpen.checkpoint.TensorData} (contiguous, row-major, little-endian) grouped in a {@link
 * io.gpen.checkpoint.StateDict}.
 *
 * <h2>Read</h2>
 *
 * {@link io.gpen.checkpoint.Checkpoints} recognises the format by content, never by file name:
 *
 * <ul>
 *   <li><b>PyTorch, zip layout</b> ({@code torch.save}, torch 1.6 and later): a zip archive with
 *       {@code <prefix>/data.pkl}, a pickle whose tensors are {@code
 *       torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)} calls and whose
 *       storages are persistent ids {@code ('storage', torch.FloatStorage, key, location, numel)}
 *       stored as entries {@code <prefix>/data/<key>}. Storage offsets and arbitrary strides are
 *       honoured (the result is made contiguous); tensors may share a storage.
 *   <li><b>PyTorch, legacy layout</b> (before torch 1.6): a run of pickles (the magic number
 *       0x1950a86a20f9469cfc6c, protocol version 1001, system info, the object, the list of storage
 *       keys), then per key in that order an 8-byte little-endian element count and the elements.
 *       Persistent ids carry a sixth element, the view of a storage or None.
 *   <li><b>PaddlePaddle {@code .pdparams}</b>: a pickle (protocol 2 to 5) of a dict from name to
 *       NumPy array ({@code numpy.core.multiarray._reconstruct} then BUILD with shape, dtype,
 *       Fortran flag and the raw bytes); element types f4, f8, f2, i8, i4, i2, i1, u1, b1. The
 *       {@code StructuredToParameterName@@} name table is skipped.
 *   <li><b>safetensors</b>: see below.
 * </ul>
 *
 * <p>A file may hold one state dict (an {@code OrderedDict} or plain dict of tensors) or a training
 * checkpoint, a dict of several ({@code g}, {@code d}, {@code g_ema}, {@code g_optim}, ...; also
 * wrappers such as {@code state_dict}, {@code params_ema}, {@code model}); {@code
 * Checkpoints.read(file, key)} picks one, by default {@code g_ema}. {@code Checkpoints.readObject}
 * gives the whole content as Java maps, lists and numbers, e.g. for optimizer states.
 *
 * <p>A pickle can name any Python callable, so the reader loads only an allow-list: {@code
 * collections.OrderedDict}, the torch tensor rebuild functions and storage types, {@code
 * torch.Size}, NumPy array, dtype and scalar reconstruction, {@code builtins.set}/{@code
 * frozenset}, {@code argparse.Namespace} (read as a map of its attributes) and {@code
 * _codecs.encode} (protocol-2 bytes). Any other name fails with "refuses to load Python object".
 *
 * <h2>Written: the project's own format</h2>
 *
 * {@link io.gpen.checkpoint.Safetensors} reads and writes safetensors: an 8-byte little-endian
 * header length, a JSON header mapping each tensor name to {@code dtype}, {@code shape} and {@code
 * data_offsets} (plus an optional {@code __metadata__} map of strings), then the data in the same
 * order. The header is padded with spaces to a multiple of 8 bytes. Files are written through a
 * temporary sibling and renamed into place.
 *
 * <ul>
 *   <li>A model file holds one state dict; its metadata carries the model configuration (for GPEN,
 *       e.g. {@code size}, {@code channel_multiplier}, {@code narrow}).
 *   <li>A training checkpoint holds several state dicts under name prefixes ({@code g.}, {@code
 *       d.}, {@code g_ema.}, {@code g_optim.}, ...) and has {@code "format": "gpen-train"} in its
 *       metadata; {@link io.gpen.checkpoint.StateDict#part} takes one part back out, and {@code
 *       Checkpoints.read(file, "d")} selects one like an entry of a PyTorch training checkpoint.
 * </ul>
 *
 * <h2>Bounds</h2>
 *
 * Memory follows what a file really holds, never what it declares: every declared size is checked
 * before anything is allocated for it, and data goes straight into its final buffer. Zip entries
 * must lie within the file, hold exactly what they and the pickle declare, and inflate together to
 * at most 100 times the file's size (a zip bomb compresses further, weights never do); pickled
 * lengths must fit in what is left of the file; strided views may copy at most the file's tensor
 * data plus 64 MiB; safetensors tensors must cover the data section exactly.
 *
 * <p>Every problem with a file (missing, a directory, empty, not a checkpoint, truncated, corrupt,
 * forbidden Python object, unsupported element type, missing storage, a size beyond those bounds)
 * is reported as a one-line {@link io.gpen.GpenException} that starts with the file name.
 */
package io.gpen.checkpoint;
