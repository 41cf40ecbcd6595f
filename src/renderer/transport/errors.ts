import { callErrorSchema, type CallError } from '../../shared/contract';

/** A rejected call, carrying the engine's code so the UI can branch on it (e.g. 'auth'). */
export class KilnCallError extends Error {
  override readonly name = 'KilnCallError';
  readonly code: CallError['code'];
  constructor(error: CallError) {
    super(error.message);
    this.code = error.code;
  }
}

// Electron wraps main-process errors as "Error invoking remote method 'x': Error: message"; the
// prefix means nothing to an artist.
const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:\w*Error: )?/;

/** The message to show for anything a call may reject with. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(IPC_PREFIX, '');
  const parsed = callErrorSchema.safeParse(error);
  if (parsed.success) return parsed.data.message;
  return typeof error === 'string' ? error : 'Something went wrong';
}
