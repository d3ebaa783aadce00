/**
 * Known pretrained models (names, sources, checksums), the local cache and downloads: every weights
 * option takes a file or a registry name.
 */
package io.gpen.registry;
