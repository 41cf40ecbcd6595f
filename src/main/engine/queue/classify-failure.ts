import type { FailureKind } from '../../../shared/failure-text';
import { InputError, type InputProblem } from '../inputs/validate';
import { LocalEngineError } from '../local/types';
import { ParameterError } from '../models/registry';
import { OutputError } from '../output/errors';
import { DownloadError, GoneError, JobFailedError, isScenarioError, type ScenarioErrorKind } from '../scenario/errors';
import { TraceError } from '../../../shared/vtracer';

const INPUT: Record<InputProblem, FailureKind> = {
  empty: 'empty-file',
  damaged: 'broken-file',
  'too-large': 'too-large',
  missing: 'input-missing',
};

/**
 * Scenario's kinds (scenario/errors.ts). Validation is undefined: a 400 is the server's own words
 * about anything (a parameter, the file, the request), so only they can say which.
 */
const SCENARIO: Record<ScenarioErrorKind, FailureKind | undefined> = {
  auth: 'auth',
  validation: undefined,
  'rate-limit': 'rate-limit',
  server: 'server',
  'bad-response': 'server',
  network: 'network',
  'job-failed': 'job-failed',
  'job-canceled': 'job-canceled',
  // A result that could not be fetched or failed its checks; a disk that refused it is an output failure.
  download: 'server',
  timeout: 'timeout',
  canceled: undefined,
};

/**
 * What kind of failure an error thrown while converting an item is, from its type, kind or code
 * alone, never its message; undefined when the type does not say (an unexpected error, a Scenario
 * validation message), and the artist's words are then guessed from the message as before
 * (src/shared/failure-text.ts). The runner records the result on the failed item.
 */
export function classifyFailure(error: unknown): FailureKind | undefined {
  if (error instanceof InputError) return INPUT[error.problem];
  if (error instanceof ParameterError) return 'settings';
  // Every code (read-only, disk-full, not-a-folder, a bad name or template…) is the output folder's,
  // but a job that succeeded with nothing to save: that one is Scenario's conversion.
  if (error instanceof OutputError) return error.code === 'no-output' ? 'job-failed' : 'output';
  if (error instanceof LocalEngineError || error instanceof TraceError) return error.failureKind;
  if (!isScenarioError(error)) return undefined;
  if (error instanceof GoneError) {
    // The uploaded input expired: a retry uploads it again. A job or result Scenario lost is its side's problem.
    return error.what === 'input' ? 'upload-expired' : 'server';
  }
  if (error instanceof JobFailedError) return error.status === 'failure' ? 'job-failed' : 'job-canceled';
  if (error instanceof DownloadError && error.onDisk) return 'output';
  return SCENARIO[error.kind];
}
