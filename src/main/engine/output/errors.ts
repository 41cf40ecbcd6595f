/** What went wrong, so callers can react (e.g. offer to pick another folder) without parsing text. */
export type OutputErrorCode =
  | 'read-only'
  | 'disk-full'
  | 'not-a-folder'
  | 'name-is-folder'
  | 'outside-folder'
  | 'missing-temp'
  | 'invalid-name'
  | 'name-too-long'
  /** Scenario's job succeeded with no result to save (queue/runner.ts): nothing the folder can fix. */
  | 'no-output'
  | 'io';

export interface OutputErrorOptions {
  code?: OutputErrorCode;
  /** The file or folder concerned. */
  path?: string;
  cause?: unknown;
}

/** A failure to place a result in the output folder, with a message meant for the artist. */
export class OutputError extends Error {
  override readonly name: string = 'OutputError';
  readonly code: OutputErrorCode;
  readonly path: string | undefined;

  constructor(message: string, options: OutputErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'io';
    this.path = options.path;
  }
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export interface ErrorContext {
  /** The output folder, as the artist chose it. */
  dir: string;
  /** The file being written, if the failure concerns one. */
  file?: string;
}

/**
 * Turns a Node fs error into an OutputError an artist can act on. OutputErrors pass through, so
 * this can wrap a whole operation.
 */
export function toOutputError(err: unknown, ctx: ErrorContext): OutputError {
  if (err instanceof OutputError) return err;
  const code = errnoCode(err);
  const where = ctx.file ?? ctx.dir;
  const opts = (c: OutputErrorCode, path = where): OutputErrorOptions => ({ code: c, path, cause: err });
  switch (code) {
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new OutputError(`Output folder ${ctx.dir} is read-only: Kiln is not allowed to write there`, opts('read-only', ctx.dir));
    case 'ENOSPC':
      return new OutputError(`The disk holding output folder ${ctx.dir} is full`, opts('disk-full', ctx.dir));
    case 'EDQUOT':
      return new OutputError(`Your disk quota is used up, so nothing more can be written to ${ctx.dir}`, opts('disk-full', ctx.dir));
    case 'ENOTDIR':
      return new OutputError(`Output folder ${ctx.dir} is not a folder (it, or a folder above it, is a file)`, opts('not-a-folder', ctx.dir));
    case 'EISDIR':
      return new OutputError(`${where} is a folder, so Kiln cannot save a file under that name`, opts('name-is-folder'));
    case 'ENAMETOOLONG':
      return new OutputError(`The file name ${where} is too long for the disk holding ${ctx.dir}`, opts('name-too-long'));
    default: {
      const reason = err instanceof Error ? err.message : String(err);
      return new OutputError(`Could not write ${where}: ${reason}`, opts('io'));
    }
  }
}
