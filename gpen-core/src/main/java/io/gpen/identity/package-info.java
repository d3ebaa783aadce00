/**
 * Face embedding networks on libtorch for the training identity loss and the evaluation's identity
 * similarity: ArcFace IR-SE50 (the reference's IDLoss network) and MobileFaceNet, behind {@link
 * io.gpen.identity.FaceEmbedder}, loaded by {@link io.gpen.identity.FaceEmbedders#load}.
 */
package io.gpen.identity;
