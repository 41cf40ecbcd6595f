import { describe, expect, it } from 'vitest';
import { canRetry, formatElapsed, statusLabel } from '../../src/renderer/items/status';
import { failureText } from '../../src/shared/failure-text';

describe('failures in an artist’s words (src/shared/failure-text.ts)', () => {
  it('turns the developer messages of the issue into what happened and what to do, keeping the raw text as detail', () => {
    const gone = failureText('"image": asset asset_037a9 not found');
    expect(gone).toMatchObject({ kind: 'upload-expired', retryable: true, detail: '"image": asset asset_037a9 not found' });
    expect(gone.text).toMatch(/Retry to upload it again/);
    const glb = failureText('knot.glb: the GLB file is version 1869488191; only glTF 2.0 is supported');
    expect(glb).toMatchObject({ kind: 'broken-file', retryable: false });
    expect(glb.text).not.toMatch(/version|1869488191/);
    const net = failureText('connect ECONNREFUSED 127.0.0.1:443 (ECONNREFUSED)');
    expect(net).toMatchObject({ kind: 'network', retryable: true });
    expect(net.text).not.toMatch(/ECONNREFUSED/);
  });

  it('never offers Retry for a file that cannot be converted, whatever way it was found to be broken', () => {
    for (const reason of ['the file is empty (0 bytes)', 'empty.png is empty (0 bytes)', 'its content is not a format Kiln recognises; VTracer accepts PNG image',
      'the image data is damaged or truncated (bad huffman)', 'Could not read the model (the GLB looks damaged): x', 'the GLB file contains no meshes']) {
      expect(failureText(reason).retryable, reason).toBe(false);
      expect(canRetry({ state: 'failed', error: reason })).toBe(false);
    }
    expect(canRetry({ state: 'failed', error: 'Scenario job job_1 failed: out of memory' })).toBe(true);
    expect(canRetry({ state: 'canceled' })).toBe(true);
  });

  it('says what a job timeout, a refused key and a full disk mean', () => {
    expect(failureText('Scenario job job_9 was canceled: no result after 30 min, so Kiln canceled the job').kind).toBe('timeout');
    expect(failureText('Scenario rejected the API key and secret (HTTP 401); check them in Settings').kind).toBe('auth');
    expect(failureText('The disk holding output folder /art/out is full').text).toMatch(/^Kiln could not save the result: The disk holding output folder \/art\/out is full\./);
    expect(failureText('something nobody planned for')).toMatchObject({ kind: 'unknown', retryable: true, detail: 'something nobody planned for' });
  });
});

describe('a recorded kind decides the words (src/shared/failure-text.ts)', () => {
  it('wins over a message whose wording suggests something else', () => {
    // Read as words this says "network"; the engine knew it was the disk.
    const disk = failureText('Could not reach the network share: ECONNREFUSED', 'output');
    expect(disk).toMatchObject({ kind: 'output', retryable: true, detail: 'Could not reach the network share: ECONNREFUSED' });
    expect(disk.text).toMatch(/^Kiln could not save the result: Could not reach the network share: ECONNREFUSED\. Fix the output folder/);
    expect(disk.text).not.toBe(failureText(disk.detail).text);
    // A reworded message of a broken file still never offers Retry, and a damaged-sounding network failure does.
    expect(failureText('fetch failed', 'broken-file')).toMatchObject({ kind: 'broken-file', retryable: false });
    expect(canRetry({ state: 'failed', error: 'fetch failed', failureKind: 'broken-file' })).toBe(false);
    expect(canRetry({ state: 'failed', error: 'the image data is damaged or truncated', failureKind: 'network' })).toBe(true);
    expect(failureText('the image data is damaged or truncated', 'network').text).toBe(failureText('connect ECONNREFUSED').text);
  });

  it('keeps the words each kind had when it was guessed from the message', () => {
    const samples: [string, string][] = [
      ['empty-file', 'empty.png is empty (0 bytes)'],
      ['broken-file', 'the GLB file contains no meshes'],
      ['too-large', 'big.png is 60.0 MB; VTracer accepts files up to 50.0 MB'],
      ['input-missing', 'the input file no longer exists: /art/a.png'],
      ['upload-expired', '"image": asset asset_037a9 not found'],
      ['auth', 'Scenario rejected the API key and secret (HTTP 401); check them in Settings'],
      ['rate-limit', 'Scenario is rate limiting requests; retry after 3 s'],
      ['network', 'connect ECONNREFUSED 127.0.0.1:443'],
      ['server', 'Scenario server error (HTTP 502)'],
      ['job-failed', 'Scenario job job_1 failed: out of memory'],
      ['job-canceled', 'Scenario job job_1 was canceled: by the team'],
      ['settings', 'colorPrecision must be at most 8'],
      ['output', 'Output folder /art/out is read-only: Kiln is not allowed to write there'],
      ['unknown', 'something nobody planned for'],
    ];
    for (const [kind, message] of samples) {
      const guessed = failureText(message);
      expect(guessed.kind, message).toBe(kind);
      expect(failureText(message, guessed.kind), message).toEqual(guessed);
    }
    expect(failureText('big.png is 60.0 MB; VTracer accepts files up to 50.0 MB', 'too-large').text).toBe(
      'This file is too large for the model (is 60.0 MB; VTracer accepts files up to 50.0 MB). Scale it down and drop it again.',
    );
  });

  it('without a kind (an item that failed before kinds were kept, or a bare message) guesses from the message', () => {
    expect(failureText('connect ECONNREFUSED', null)).toEqual(failureText('connect ECONNREFUSED'));
    expect(failureText('connect ECONNREFUSED', undefined).kind).toBe('network');
    expect(failureText(undefined, 'server')).toMatchObject({ kind: 'server', detail: '' });
  });
});

describe('long stages say so', () => {
  it('adds how long a stage has lasted once it passes a minute', () => {
    expect(statusLabel({ state: 'uploading', progress: 0 }, 59_000)).toBe('Uploading');
    expect(statusLabel({ state: 'uploading', progress: 0 }, 3 * 60_000)).toBe('Uploading for 3 min…');
    expect(statusLabel({ state: 'processing', progress: 0.4 }, 65 * 60_000)).toBe('Processing for 1 h 5 min… · 40%');
    expect(statusLabel({ state: 'done', progress: 1 }, 10 * 60_000)).toBe('Done');
    expect(formatElapsed(120 * 60_000)).toBe('2 h');
  });
});
