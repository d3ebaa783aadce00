/** Small helpers shared by every concern: atomic file writes and progress bars. */
package io.gpen.util;
