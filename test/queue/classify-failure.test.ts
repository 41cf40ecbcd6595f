import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/main/engine/queue/classify-failure';
import { InputError } from '../../src/main/engine/inputs/validate';
import { LocalEngineError } from '../../src/main/engine/local/types';
import { ParameterError } from '../../src/main/engine/models/registry';
import { OutputError, toOutputError } from '../../src/main/engine/output/errors';
import { NamingError } from '../../src/main/engine/output/naming';
import {
  AuthError,
  BadResponseError,
  CanceledError,
  DownloadError,
  GoneError,
  JobFailedError,
  NetworkError,
  RateLimitError,
  ScenarioError,
  ServerError,
  StageTimeoutError,
  TeamLimitError,
  ValidationError,
} from '../../src/main/engine/scenario/errors';
import { TraceError } from '../../src/shared/vtracer';
import { failureText } from '../../src/shared/failure-text';

/** A message that, read as words, says something else entirely: the kind must come from the type. */
const MISLEADING = 'network parameter is full of damaged rate limit (0 bytes)';

describe('the kind of a failure comes from the error, not its words (src/main/engine/queue/classify-failure.ts)', () => {
  it('an input says what is wrong with it through its problem', () => {
    expect(classifyFailure(new InputError(MISLEADING, 'empty'))).toBe('empty-file');
    expect(classifyFailure(new InputError(MISLEADING, 'damaged'))).toBe('broken-file');
    expect(classifyFailure(new InputError(MISLEADING, 'too-large'))).toBe('too-large');
    expect(classifyFailure(new InputError(MISLEADING, 'missing'))).toBe('input-missing');
  });

  it('a parameter refused by the model descriptor is a setting of the queue', () => {
    expect(classifyFailure(new ParameterError(MISLEADING))).toBe('settings');
  });

  it('every output code, and a naming template, is the output folder', () => {
    expect(classifyFailure(new OutputError(MISLEADING, { code: 'read-only' }))).toBe('output');
    expect(classifyFailure(toOutputError(Object.assign(new Error('no space'), { code: 'ENOSPC' }), { dir: '/art/out' }))).toBe('output');
    expect(classifyFailure(new NamingError(MISLEADING))).toBe('output');
  });

  it('a job that succeeded with nothing to save is Scenario’s conversion, not the folder', () => {
    expect(classifyFailure(new OutputError(MISLEADING, { code: 'no-output' }))).toBe('job-failed');
  });

  it('Scenario failures by their kind', () => {
    expect(classifyFailure(new AuthError(401))).toBe('auth');
    expect(classifyFailure(new RateLimitError(2000))).toBe('rate-limit');
    expect(classifyFailure(new TeamLimitError(2, undefined, MISLEADING))).toBe('rate-limit');
    expect(classifyFailure(new ServerError(502, MISLEADING))).toBe('server');
    expect(classifyFailure(new BadResponseError(MISLEADING))).toBe('server');
    expect(classifyFailure(new NetworkError(MISLEADING))).toBe('network');
    expect(classifyFailure(new StageTimeoutError('job', MISLEADING))).toBe('timeout');
    expect(classifyFailure(new ScenarioError('timeout', MISLEADING))).toBe('timeout');
    expect(classifyFailure(new JobFailedError('job_1', 'failure', MISLEADING))).toBe('job-failed');
    expect(classifyFailure(new JobFailedError('job_1', 'canceled', MISLEADING))).toBe('job-canceled');
  });

  it('something Kiln made on Scenario that is gone: an input is uploaded again, a job or result lost is Scenario’s side', () => {
    expect(classifyFailure(new GoneError('input', MISLEADING, 404))).toBe('upload-expired');
    expect(classifyFailure(new GoneError('job', MISLEADING, 404))).toBe('server');
    expect(classifyFailure(new GoneError('output', MISLEADING, 404))).toBe('server');
  });

  it('a download that failed is Scenario’s side, unless the disk refused the result', () => {
    expect(classifyFailure(new DownloadError(MISLEADING))).toBe('server');
    expect(classifyFailure(new DownloadError(MISLEADING, true))).toBe('output');
  });

  it('local engines say it where they know (a damaged picture or model), also once rebuilt by the worker pool', () => {
    expect(classifyFailure(new TraceError(MISLEADING, undefined, false, 'broken-file'))).toBe('broken-file');
    expect(classifyFailure(new LocalEngineError(MISLEADING, 'broken-file', 'ObjError'))).toBe('broken-file');
    expect(classifyFailure(new TraceError(MISLEADING))).toBeUndefined();
    expect(classifyFailure(new LocalEngineError(MISLEADING, undefined, 'Error'))).toBeUndefined();
  });

  it('has no kind where the type does not say: the words are then guessed from the message', () => {
    // A 400's meaning is in the server's own words (a parameter, the file, the request).
    expect(classifyFailure(new ValidationError(MISLEADING, 400))).toBeUndefined();
    expect(classifyFailure(new CanceledError())).toBeUndefined();
    expect(classifyFailure(new Error(MISLEADING))).toBeUndefined();
    expect(classifyFailure(MISLEADING)).toBeUndefined();
    expect(classifyFailure(undefined)).toBeUndefined();
  });

  it('what it gives is a kind the artist’s words know', () => {
    const kind = classifyFailure(new ServerError(503, ''));
    expect(kind).toBeDefined();
    expect(failureText(MISLEADING, kind)).toMatchObject({ kind: 'server', retryable: true, detail: MISLEADING });
  });
});
