import { basename, relative } from 'node:path';

export type FinishedStatus = 'done' | 'failed' | 'skipped' | 'canceled';

export interface FinishedLine {
  input: string;
  /** The input as the artist named it (relative to the folder given), for the readable line. */
  shown?: string;
  status: FinishedStatus;
  outputs: string[];
  jobId: string | null;
  /** The engine's own words. */
  error: string | null;
  /** For a failure: what happened and what to do, as the app says it (src/shared/failure-text.ts). */
  message: string | null;
  /** Present only when there is something to say about an item that still finished (issue 14.3). */
  warnings?: string[];
}

export interface Summary {
  done: number;
  failed: number;
  canceled: number;
  skipped: number;
  ms: number;
  /** Where the results are, as the artist typed it or relative to the current folder. */
  where: string;
}

function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return min < 60 ? `${min} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** "3 done · 1 failed · 2 skipped · 12.4 s · results in svg/". */
export function summaryLine(s: Summary): string {
  const parts = [`${s.done} done`, `${s.failed} failed`];
  if (s.canceled) parts.push(`${s.canceled} canceled`);
  parts.push(`${s.skipped} skipped`, duration(s.ms), `results in ${s.where}`);
  return parts.join(' · ');
}

interface Tally {
  total: number;
  done: number;
  failed: number;
  active: number;
  waiting: number;
}

/**
 * What the CLI prints: with --json exactly one JSON line per finished item on stdout and nothing
 * else there; otherwise a readable line per item, plus a live progress bar when stderr is a terminal.
 */
export class Reporter {
  private barVisible = false;
  private status = '';
  private lastDraw = 0;
  private stdoutOpen = true;
  private stderrOpen = true;
  private readonly closedListeners: Array<() => void> = [];

  constructor(
    private readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    // A reader that went away (`kiln convert --json | head -3`) is a normal end, not a crash: without
    // these listeners the EPIPE would surface as an uncaught 'error' event with a stack trace.
    stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
      if (!this.stdoutOpen) return;
      this.stdoutOpen = false;
      for (const listener of this.closedListeners) listener();
    });
    stderr.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
      this.stderrOpen = false;
    });
  }

  /** Called once if whoever reads stdout closes it. */
  onStdoutClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  private out(text: string): void {
    if (this.stdoutOpen) this.stdout.write(text);
  }

  private err(text: string): void {
    if (this.stderrOpen) this.stderr.write(text);
  }

  private get live(): boolean {
    return Boolean(this.stderr.isTTY);
  }

  /** Whether progress() draws anything: without a terminal, callers skip the work of a tally per event. */
  get showsProgress(): boolean {
    return this.live;
  }

  finished(line: FinishedLine): void {
    this.clearBar();
    if (this.json) {
      this.out(`${JSON.stringify(line)}\n`);
      return;
    }
    const name = line.shown ?? basename(line.input);
    const cwd = process.cwd();
    const where = line.outputs.map((o) => (o.startsWith(cwd) ? relative(cwd, o) : o)).join(', ');
    const text =
      line.status === 'done' ? `✔ ${name} → ${where}`
      : line.status === 'skipped' ? `– ${name}: skipped (${line.error ?? ''})`
      : line.status === 'canceled' ? `✖ ${name}: canceled`
      : `✖ ${name}: ${line.message ?? line.error ?? 'failed'}${line.error ? `\n    details: ${line.error}` : ''}`;
    const warned = line.warnings?.length ? ` (${line.warnings.join('; ')})` : '';
    this.out(`${text}${warned}\n`);
  }

  /** The last line of a batch: on stdout, or stderr with --json (whose stdout holds only JSON lines). */
  summary(s: Summary): void {
    this.clearBar();
    (this.json ? this.stderr : this.stdout).write(`kiln: ${summaryLine(s)}\n`);
  }

  /** Messages for a person (offline, auth, interruption): always on stderr. */
  notice(message: string): void {
    this.clearBar();
    this.err(`${message}\n`);
  }

  progress(tally: Tally, status?: string): void {
    if (status !== undefined) this.status = status;
    if (!this.live) return;
    // A terminal cannot show more than a few updates a second; drawing every event only costs CPU.
    const now = Date.now();
    const finishedAll = tally.done + tally.failed === tally.total;
    if (!finishedAll && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const width = 24;
    const finished = tally.done + tally.failed;
    const filled = tally.total === 0 ? width : Math.round((finished / tally.total) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const parts = [`${finished}/${tally.total}`];
    if (tally.failed) parts.push(`${tally.failed} failed`);
    if (tally.active) parts.push(`${tally.active} active`);
    if (tally.waiting) parts.push(`${tally.waiting} waiting for network`);
    const line = `${bar} ${parts.join(' · ')}${this.status ? ` · ${this.status}` : ''}`;
    const columns = this.stderr.columns || 100;
    this.err(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.barVisible = true;
  }

  close(): void {
    this.clearBar();
  }

  private clearBar(): void {
    if (this.barVisible) {
      this.err('\r\x1b[2K');
      this.barVisible = false;
    }
  }
}

/** First "still trying" reminder while the API cannot be reached; later ones come less often. */
export const STILL_TRYING_AFTER_MS = 30_000;
const STILL_TRYING_MAX_MS = 10 * 60_000;

/**
 * What the CLI says about the network (issue 14.7): "offline" once when the batch starts waiting,
 * then — since a URL that never answers (a typo in --api-url) would otherwise look like a hang —
 * "cannot reach <host> — still trying; Ctrl+C to stop" after STILL_TRYING_AFTER_MS and at growing
 * intervals; "network is back" only if "offline" was said.
 */
export class ConnectivityNotices {
  private offline = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly host: string;
  private readonly remindAfterMs: number;

  constructor(
    private readonly reporter: Reporter,
    apiUrl: string,
    options: { remindAfterMs?: number } = {},
  ) {
    this.host = URL.canParse(apiUrl) ? new URL(apiUrl).host : apiUrl;
    this.remindAfterMs = options.remindAfterMs ?? STILL_TRYING_AFTER_MS;
  }

  update(state: { online: boolean; reason: string }): void {
    if (state.online) {
      this.stopReminders();
      if (this.offline) this.reporter.notice('kiln: network is back, resuming');
      this.offline = false;
      return;
    }
    if (this.offline) return;
    this.offline = true;
    this.reporter.notice(`kiln: offline — waiting for the network (${state.reason})`);
    this.remind(this.remindAfterMs);
  }

  close(): void {
    this.stopReminders();
  }

  private remind(afterMs: number): void {
    this.timer = setTimeout(() => {
      this.reporter.notice(`kiln: cannot reach ${this.host} — still trying; Ctrl+C to stop`);
      this.remind(Math.min(afterMs * 2, STILL_TRYING_MAX_MS));
    }, afterMs);
    // The reminder never keeps the process alive by itself.
    this.timer.unref();
  }

  private stopReminders(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Says once per limit learned that Scenario runs fewer jobs at once for the team than
 * --concurrency asks (a 429 naming the limit): the batch then runs more slowly than asked, and
 * without this it would look like Kiln ignoring the flag. The window says the same in a banner
 * (src/renderer/app/Banners.tsx).
 */
export function teamLimitNotices(reporter: Reporter, concurrency: number): (limit: number) => void {
  const told = new Set<number>();
  return (limit) => {
    if (limit >= concurrency || told.has(limit)) return;
    told.add(limit);
    reporter.notice(
      `kiln: Scenario runs ${limit} job${limit === 1 ? '' : 's'} at once for this team; keeping to that ` +
        `(--concurrency ${concurrency} asked for more). The other items wait their turn; nothing fails because of it.`,
    );
  };
}
