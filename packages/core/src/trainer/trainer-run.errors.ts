/**
 * A run that cannot start or go on as configured: a non-empty output_dir, a checkpoint from another
 * run, a checkpoint with a file missing. The message is one line that names the folder, file or
 * setting to change; the CLI prints it as it is.
 */
export class TrainerRunError extends Error {
  override readonly name = 'TrainerRunError';
}
