/**
 * The in-memory Java API: {@link io.gpen.api.Restorer} restores aligned faces with a GPEN model on
 * libtorch.
 */
package io.gpen.api;
