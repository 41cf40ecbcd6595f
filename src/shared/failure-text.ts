/**
 * The one place where a failure recorded by the engine becomes words for an artist: what happened,
 * what to do, and whether Retry can help. The app (rows, preview, drop summaries) and `kiln convert`
 * both show `text`, with the engine's own wording kept as `detail` (under "Details" in the app).
 *
 * An item that fails records its kind (src/main/engine/queue/classify-failure.ts reads it from the
 * error's type, kind or code) next to the engine's message (queue/runner.ts describeFailure), and the
 * kind decides the words. Only where no kind is known — items that failed before Kiln recorded kinds,
 * errors whose type does not say, and the drop and `kiln convert` paths that hold nothing but a
 * message — do the message rules below guess it from the engine's wording.
 */
export const FAILURE_KINDS = [
  'empty-file',
  'broken-file',
  'too-large',
  'input-missing',
  'upload-expired',
  'network',
  'auth',
  'rate-limit',
  'server',
  'timeout',
  'job-failed',
  'job-canceled',
  'settings',
  'output',
  'unknown',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && (FAILURE_KINDS as readonly string[]).includes(value);
}

export interface FailureText {
  kind: FailureKind;
  /** One or two sentences: what happened and what to do. */
  text: string;
  /** The engine's own message, for "Details" and bug reports. */
  detail: string;
  /** Whether trying the same file again can succeed; a broken file stays broken. */
  retryable: boolean;
}

interface Words {
  text: string | ((detail: string) => string);
  retryable: boolean;
}

/** What each kind tells the artist. A record over the union, so a new kind cannot go without words. */
const WORDS: Record<FailureKind, Words> = {
  'empty-file': {
    text: 'This file is empty: nothing was saved in it, so there is nothing to convert. Save or export it again, then drop the new file.',
    retryable: false,
  },
  'broken-file': {
    text: 'This file is damaged or is not the kind of file it claims to be, so it cannot be converted. Export or save it again from the app that made it, then drop the new file.',
    retryable: false,
  },
  'too-large': {
    text: (d) => `This file is too large for the model (${d.replace(/^.*?(is [^;]+);\s*/, '$1; ')}). Scale it down and drop it again.`,
    retryable: false,
  },
  'input-missing': {
    text: 'Kiln can no longer read the original file (it was moved, deleted or locked). Put it back, or drop it again from where it is now.',
    retryable: true,
  },
  'upload-expired': { text: 'Scenario no longer has the uploaded copy of this file. Retry to upload it again.', retryable: true },
  auth: { text: 'Scenario did not accept the API key. Check the key and secret in Settings, then Retry.', retryable: true },
  'rate-limit': { text: 'Scenario is busy with too many requests from this account. Retry in a minute.', retryable: true },
  network: {
    text: 'Kiln could not reach Scenario. Check the internet connection; Kiln carries on by itself when it is back, or Retry.',
    retryable: true,
  },
  server: { text: 'Scenario had a problem on its side. Retry in a few minutes.', retryable: true },
  timeout: {
    text: 'Scenario took too long with this file, so Kiln stopped waiting. Retry, or try a smaller file or simpler settings.',
    retryable: true,
  },
  'job-failed': { text: 'Scenario could not convert this file. Retry, or change the queue’s settings if it fails again.', retryable: true },
  'job-canceled': { text: 'The job was canceled on Scenario. Retry to convert the file again.', retryable: true },
  settings: { text: 'A setting of this queue is not accepted for this file. Edit the queue’s settings, then Retry.', retryable: true },
  // OutputError messages (src/main/engine/output/errors.ts) are written for artists already.
  output: { text: (d) => `Kiln could not save the result: ${d.replace(/\.$/, '')}. Fix the output folder, then Retry.`, retryable: true },
  unknown: {
    text: (d) =>
      d === '' ? 'The conversion failed without a reason. Retry, and if it fails again look at the Details.' : 'Something went wrong while converting this file. Retry; if it fails again, the Details say what the engine saw.',
    retryable: true,
  },
};

interface Rule {
  kind: FailureKind;
  test: RegExp;
}

/**
 * Guesses from the engine's wording, for failures recorded without a kind. Each rule names the
 * error type or code whose messages it stands for; the first that matches wins.
 */
const RULES: readonly Rule[] = [
  // inputs/expand.ts and InputError: nothing was saved in the file.
  { kind: 'empty-file', test: /empty \(0 bytes\)/i },
  // InputError / local engines / inputs/expand.ts: the file itself cannot be converted.
  {
    kind: 'broken-file',
    test: /damaged|truncated|GLB file is version|contains no meshes|no faces|no triangles|has no dimensions|has no size|not a format Kiln recognises|its content is [A-Z]+;|Could not (read|decode) the (image|model)|cannot read the image|not a regular file|is a folder, not a file/i,
  },
  { kind: 'too-large', test: /megapixels are accepted|accepts files up to/i },
  { kind: 'input-missing', test: /no longer exists|no such file|permission denied.*cannot read|cannot read .*permission denied/i },
  // Scenario validation (kind 'validation'): an uploaded asset it no longer has.
  { kind: 'upload-expired', test: /asset \S+ not found|upload \S+ not found/i },
  // kind 'auth'
  { kind: 'auth', test: /rejected the API key|No Scenario API key|API key and secret are/i },
  // kind 'rate-limit'
  { kind: 'rate-limit', test: /rate limit/i },
  // kind 'network'
  { kind: 'network', test: /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up|fetch failed|network/i },
  // kind 'server' / 'bad-response'
  { kind: 'server', test: /server error|HTTP 5\d\d|did not answer as expected|unexpected response|bad response/i },
  // runner's job timeout (a JobFailedError 'canceled' that Kiln raised itself, before StageTimeoutError)
  { kind: 'timeout', test: /no result after .* so Kiln canceled the job|timed out/i },
  // kind 'job-failed' / 'job-canceled'
  { kind: 'job-failed', test: /Scenario job \S+ failed/i },
  { kind: 'job-canceled', test: /Scenario job \S+ was canceled/i },
  // ParameterError and Scenario validation of parameters
  { kind: 'settings', test: /parameter|preset|must be (at least|at most|one of|a number|an integer)/i },
  // OutputError codes read-only, disk-full, not-a-folder, name-is-folder, name-too-long, outside-folder.
  { kind: 'output', test: /read-only|is full|quota|not a folder|is a folder, so|too long for the disk|outside the output folder|Could not write/i },
];

/** The kind the engine's wording suggests, for a failure recorded without one. */
export function guessFailureKind(detail: string): FailureKind {
  return RULES.find((rule) => rule.test.test(detail))?.kind ?? 'unknown';
}

/**
 * The artist's words for a failure: by its recorded `kind` when there is one, else guessed from the
 * engine's message `detail` (an item failed before kinds were recorded, or a bare message).
 */
export function failureText(detail: string | undefined, kind?: FailureKind | null): FailureText {
  const raw = (detail ?? '').trim();
  const known = kind ?? guessFailureKind(raw);
  const words = WORDS[known];
  return { kind: known, text: typeof words.text === 'function' ? words.text(raw) : words.text, detail: raw, retryable: words.retryable };
}
