/**
 * The face parser of GPEN's in-the-wild pipeline: ParseNet ({@code face_parse/parse_model.py}, the
 * same network as facexlib's {@code parsing_parsenet}), and the paste mask GPEN draws from its
 * parsing ({@code FaceParse.process} plus {@code FaceEnhancement.mask_postprocess}), which decides
 * where a restored face replaces the photo.
 *
 * <pre>{@code
 * try (FaceParser parser = FaceParser.load(Path.of("ParseNet-latest.pth"));
 *      Mat mask = parser.pasteMask(restoredFace, 512)) {
 *   // CV_32F 512×512 in [0, 1], aligned with the face crop: warp it back with the crop's
 *   // inverse transform and compose as with the rectangle mask
 * }
 * }</pre>
 */
package io.gpen.parse;
