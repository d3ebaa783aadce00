/**
 * Faces in photos: detection (RetinaFace on libtorch, YuNet on OpenCV), five-point alignment to the
 * reference template (Umeyama), and pasting restored faces back under a mask ({@link
 * io.gpen.face.FaceEnhancer}).
 */
package io.gpen.face;
