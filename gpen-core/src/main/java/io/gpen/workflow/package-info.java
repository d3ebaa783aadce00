/**
 * Every job the commands, the service and the Spark jobs run, as library calls with small option
 * records and builders: restoring a folder of aligned faces ({@link
 * io.gpen.workflow.FolderRestoration}, for {@code predict} and {@code infer}), restoring photos
 * ({@link io.gpen.workflow.PhotoRestoration} over a {@link io.gpen.workflow.PhotoPipeline}, which
 * {@code gpen serve} and the Spark job share), restoring videos ({@link
 * io.gpen.workflow.VideoRestoration}), evaluating a folder ({@link
 * io.gpen.workflow.FolderEvaluation}, for {@code test} and {@code infer --degrade}), degrading a
 * folder ({@link io.gpen.workflow.FolderDegradation}) and exporting a model ({@link
 * io.gpen.workflow.ModelExport}).
 *
 * <p>A {@link io.gpen.workflow.ModelSpec} says which model runs on which engine; a {@link
 * io.gpen.workflow.WorkflowListener} receives progress, notes and warnings. Errors name the file at
 * fault, or the parameter ({@link io.gpen.BadParameter}), which the command line maps to its flags.
 */
package io.gpen.workflow;
