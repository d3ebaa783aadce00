/**
 * Background super-resolution of GPEN's in-the-wild pipeline: Real-ESRNet, an ESRGAN {@link
 * io.gpen.sr.RrdbNet} at ×1, ×2 or ×4 ({@code sr_model/rrdbnet_arch.py}), run over a whole photo in
 * tiles ({@link io.gpen.sr.RealEsrNet}, {@code sr_model/real_esrnet.py}).
 *
 * <pre>{@code
 * try (RealEsrNet sr = RealEsrNet.load(Path.of("realesrnet_x2.pth"));
 *      Mat big = sr.process(photo, 400)) {   // tiles of 400 pixels; 0 for the whole photo at once
 *   // big is 8-bit BGR, sr.scale() times the photo's width and height
 * }
 * }</pre>
 */
package io.gpen.sr;
