// The public shape of the fake server. Other engineers code against it: change it only together
// with them.

export interface Faults {
  /** 0..1: fraction of API requests (not CDN) answered 500/502/503 with a JSON {error}. */
  serverErrorRate: number;
  /** 0..1: fraction of requests whose socket is destroyed before any answer (and before any state change). */
  resetRate: number;
  /** The next `requests` API requests get 429 + Retry-After. */
  rateLimit: { requests: number; retryAfterSeconds: number } | null;
  /** Latency added to every request. */
  slowMs: number;
  /** 0..1: fraction of new jobs that end in status "failure" with a reason. */
  failJobRate: number;
  /** New jobs stay "in-progress" forever. */
  neverFinishJobs: boolean;
  /** 0..1: fraction of API responses with status 200 but an HTML body. */
  nonJsonRate: number;
  /**
   * The team's ceiling of jobs running at once: a generate past it answers 429
   * `{ error, details: { actionName: "generate", actionLimit } }` with no Retry-After. null = none.
   */
  teamJobLimit: number | null;
  /** Adds Retry-After (seconds) to the ceiling's 429; Scenario's carries none (null, the default). */
  teamLimitRetryAfterSeconds: number | null;
  /** New jobs reach `in-progress` and stop there, progress fixed at 0.4, forever. */
  stallJobs: boolean;
  /** Uploads stay `validating` after completion and are never imported. */
  stuckUploads: boolean;
  /** Lifetime of temporary asset URLs (default 60000). */
  assetUrlTtlMs: number;
  /** CDN answers 200 text/html for downloads (a captive portal / broken CDN). */
  htmlDownloads: boolean;
  /**
   * A generate creates (and charges) its job, then its answer is held until the connection closes:
   * a client stopped meanwhile never learns the job id (the crash window of issue 14.3).
   */
  holdGenerateAnswers: boolean;
  /** The next `requests` job polls and asset reads (GET /jobs/…, GET /assets/…) get 429 + Retry-After; nothing else does. */
  followRateLimit: { requests: number; retryAfterSeconds: number } | null;
}

export interface FakeScenarioOptions {
  /** Default 0 (random). */
  port?: number;
  /** Defaults 'test-key' / 'test-secret'. */
  apiKey?: string;
  apiSecret?: string;
  /** Default 1500: queued → warming-up → in-progress (progress rising) → success. */
  jobDurationMs?: number;
  /** How long each job takes; overrides jobDurationMs. Log-normal draws are seeded by `seed`. */
  jobDurations?: JobDurations;
  /** Time each upload status after completion lasts (validating, validated) before `imported`; default 100. */
  uploadStepMs?: number;
  /** Default 200 MiB: bigger uploads are refused with 400 {error}. */
  maxUploadBytes?: number;
  faults?: Partial<Faults>;
  /** Deterministic randomness for fault injection. */
  seed?: number;
}

export type JobDurations = { kind: 'fixed'; ms: number } | { kind: 'log-normal'; medianMs: number; sigma: number };

export type RouteName =
  | 'asset-create'
  | 'upload-create'
  | 'upload-part'
  | 'upload-complete'
  | 'upload-get'
  | 'generate'
  | 'job-get'
  | 'job-cancel'
  | 'asset-get'
  | 'download'
  | 'unknown';

export const ROUTE_NAMES: readonly RouteName[] = [
  'asset-create',
  'upload-create',
  'upload-part',
  'upload-complete',
  'upload-get',
  'generate',
  'job-get',
  'job-cancel',
  'asset-get',
  'download',
  'unknown',
];

export interface GenerateRecord {
  jobId: string;
  modelId: string;
  body: Record<string, unknown>;
  /** The `name` of the input asset as uploaded. */
  inputName: string | undefined;
  at: number;
  /** How long this job runs. */
  durationMs: number;
}

/** What a hold rule (FakeScenario.holdRequests) is told about a request before the server acts on it. */
export interface RequestToHold {
  route: RouteName;
  /** A job poll (`GET /v1/jobs/{id}`) for a job that has never been polled: the client has its id. */
  firstPoll: boolean;
}

export interface FakeScenario {
  /** Base URL including /v1, e.g. http://127.0.0.1:43123/v1 */
  readonly url: string;
  readonly port: number;
  /** Requests received per route (including faulted ones). A snapshot. */
  readonly counts: Record<RouteName, number>;
  /** Every accepted generate, in order. A snapshot. */
  readonly generates: GenerateRecord[];
  setFaults(faults: Partial<Faults>): void;
  /** The most part uploads (PUTs) that were in progress at once, since start or resetCounts. */
  readonly peakPartUploads: number;
  /** Generates refused with 429 for the team's ceiling (teamJobLimit) since start or resetCounts. */
  readonly teamLimitRefusals: number;
  /** Forgets a job, upload or asset, as if Scenario had lost it: reads of it answer 404. */
  forget(id: string): boolean;
  resetCounts(): void;
  /** Number of jobs created whose jobId has not yet been asked for with GET /jobs/{id}. */
  jobsAwaitingFirstPoll(): number;
  /** Register a large synthetic output asset (streamed, never held in memory) and return its id. */
  addSyntheticAsset(options: { bytes: number; kind: 'svg' | 'glb' }): string;
  /**
   * Test control, not API behaviour: from now on every request `rule` picks waits, not yet acted
   * on (no job made, no state changed), until the rule is replaced or cleared (then it goes on) or
   * dropHeld() is called. Its 'request' event is emitted before the rule is asked.
   */
  holdRequests(rule: ((request: RequestToHold) => boolean) | undefined): void;
  /** Closes the connections of all held requests without acting on them; returns how many. */
  dropHeld(): number;
  /** Requests being acted on now (past any hold, not yet answered in full or dropped), per route. */
  handlingRequests(route: RouteName): number;
  /** Requests waiting on the hold rule now, per route. */
  heldRequests(route: RouteName): number;
  on(event: 'request', listener: (route: RouteName, method: string, path: string, query: URLSearchParams) => void): void;
  /** Stop listening (dropping open connections) but keep all state; start() listens again on the SAME port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}
