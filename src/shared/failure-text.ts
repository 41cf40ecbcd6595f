/**
 * The one place where a failure recorded by the engine becomes words for an artist: what happened,
 * what to do, and whether Retry can help. The app (rows, preview, drop summaries) and `kiln convert`
 * both show `text`, with the engine's own wording kept as `detail` (under "Details" in the app).
 *
 * An item records its failure as the engine's message (src/main/engine/queue/runner.ts
 * describeFailure): the messages of the typed errors in scenario/errors.ts (kinds auth, validation,
 * rate-limit, server, network, job-failed, job-canceled, download), output/errors.ts (codes
 * read-only, disk-full, not-a-folder…), inputs/validate.ts (InputError) and the local engines.
 * Each rule below names the kind or code it stands for; the first that matches wins.
 */
export type FailureKind =
  | 'broken-file'
  | 'too-large'
  | 'input-missing'
  | 'upload-expired'
  | 'network'
  | 'auth'
  | 'rate-limit'
  | 'server'
  | 'timeout'
  | 'job-failed'
  | 'job-canceled'
  | 'settings'
  | 'output'
  | 'unknown';

export interface FailureText {
  kind: FailureKind;
  /** One or two sentences: what happened and what to do. */
  text: string;
  /** The engine's own message, for "Details" and bug reports. */
  detail: string;
  /** Whether trying the same file again can succeed; a broken file stays broken. */
  retryable: boolean;
}

interface Rule {
  kind: FailureKind;
  test: RegExp;
  text: string | ((detail: string) => string);
  retryable: boolean;
}

const RULES: readonly Rule[] = [
  // inputs/expand.ts and InputError: nothing was saved in the file.
  {
    kind: 'broken-file',
    test: /empty \(0 bytes\)/i,
    text: 'This file is empty: nothing was saved in it, so there is nothing to convert. Save or export it again, then drop the new file.',
    retryable: false,
  },
  // InputError / local engines / inputs/expand.ts: the file itself cannot be converted.
  {
    kind: 'broken-file',
    test: /empty \(0 bytes\)|damaged|truncated|GLB file is version|contains no meshes|no faces|no triangles|has no dimensions|has no size|not a format Kiln recognises|its content is [A-Z]+;|Could not (read|decode) the (image|model)|cannot read the image|not a regular file|is a folder, not a file/i,
    text: 'This file is damaged or is not the kind of file it claims to be, so it cannot be converted. Export or save it again from the app that made it, then drop the new file.',
    retryable: false,
  },
  {
    kind: 'too-large',
    test: /megapixels are accepted|accepts files up to/i,
    text: (d) => `This file is too large for the model (${d.replace(/^.*?(is [^;]+);\s*/, '$1; ')}). Scale it down and drop it again.`,
    retryable: false,
  },
  {
    kind: 'input-missing',
    test: /no longer exists|no such file|permission denied.*cannot read|cannot read .*permission denied/i,
    text: 'Kiln can no longer read the original file (it was moved, deleted or locked). Put it back, or drop it again from where it is now.',
    retryable: true,
  },
  // Scenario validation (kind 'validation'): an uploaded asset it no longer has.
  {
    kind: 'upload-expired',
    test: /asset \S+ not found|upload \S+ not found/i,
    text: 'Scenario no longer has the uploaded copy of this file. Retry to upload it again.',
    retryable: true,
  },
  // kind 'auth'
  {
    kind: 'auth',
    test: /rejected the API key|No Scenario API key|API key and secret are/i,
    text: 'Scenario did not accept the API key. Check the key and secret in Settings, then Retry.',
    retryable: true,
  },
  // kind 'rate-limit'
  { kind: 'rate-limit', test: /rate limit/i, text: 'Scenario is busy with too many requests from this account. Retry in a minute.', retryable: true },
  // kind 'network'
  {
    kind: 'network',
    test: /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up|fetch failed|network/i,
    text: 'Kiln could not reach Scenario. Check the internet connection; Kiln carries on by itself when it is back, or Retry.',
    retryable: true,
  },
  // kind 'server' / 'bad-response'
  {
    kind: 'server',
    test: /server error|HTTP 5\d\d|did not answer as expected|unexpected response|bad response/i,
    text: 'Scenario had a problem on its side. Retry in a few minutes.',
    retryable: true,
  },
  // runner's job timeout (a JobFailedError 'canceled' that Kiln raised itself)
  {
    kind: 'timeout',
    test: /no result after .* so Kiln canceled the job|timed out/i,
    text: 'Scenario took too long with this file, so Kiln stopped waiting. Retry, or try a smaller file or simpler settings.',
    retryable: true,
  },
  // kind 'job-failed' / 'job-canceled'
  {
    kind: 'job-failed',
    test: /Scenario job \S+ failed/i,
    text: 'Scenario could not convert this file. Retry, or change the queue’s settings if it fails again.',
    retryable: true,
  },
  { kind: 'job-canceled', test: /Scenario job \S+ was canceled/i, text: 'The job was canceled on Scenario. Retry to convert the file again.', retryable: true },
  // ParameterError and Scenario validation of parameters
  {
    kind: 'settings',
    test: /parameter|preset|must be (at least|at most|one of|a number|an integer)/i,
    text: 'A setting of this queue is not accepted for this file. Edit the queue’s settings, then Retry.',
    retryable: true,
  },
  // OutputError codes read-only, disk-full, not-a-folder, name-is-folder, name-too-long, outside-folder: their messages are written for artists already.
  {
    kind: 'output',
    test: /read-only|is full|quota|not a folder|is a folder, so|too long for the disk|outside the output folder|Could not write/i,
    text: (d) => `Kiln could not save the result: ${d.replace(/\.$/, '')}. Fix the output folder, then Retry.`,
    retryable: true,
  },
];

/** The artist's words for a failure the engine recorded (or for any error message). */
export function failureText(detail: string | undefined): FailureText {
  const raw = (detail ?? '').trim();
  for (const rule of RULES) {
    if (rule.test.test(raw)) {
      return { kind: rule.kind, text: typeof rule.text === 'function' ? rule.text(raw) : rule.text, detail: raw, retryable: rule.retryable };
    }
  }
  return {
    kind: 'unknown',
    text: raw === '' ? 'The conversion failed without a reason. Retry, and if it fails again look at the Details.' : 'Something went wrong while converting this file. Retry; if it fails again, the Details say what the engine saw.',
    detail: raw,
    retryable: true,
  };
}
