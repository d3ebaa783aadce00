/**
 * Images in and out: reading and writing any supported format with alpha and bit depth kept, the
 * model input and output conversions of the reference ({@link io.gpen.image.ModelIo}), and where
 * results go ({@link io.gpen.image.OutputPaths}).
 */
package io.gpen.image;
