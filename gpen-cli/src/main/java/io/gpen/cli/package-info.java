/**
 * The {@code gpen} command line (picocli): each command parses its options, calls one gpen-core
 * workflow, prints the result and maps errors to its flags and an exit code.
 */
package io.gpen.cli;
