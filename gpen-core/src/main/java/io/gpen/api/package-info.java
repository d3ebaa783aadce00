/**
 * The in-memory Java API: {@link io.gpen.api.Restorer} restores aligned faces with a GPEN model on
 * libtorch; {@link io.gpen.api.PixelRange} says which values the model takes and gives.
 */
package io.gpen.api;
