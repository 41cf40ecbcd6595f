/**
 * The fake Scenario server as the bench uses it: in a child process by default, so its CPU work
 * does not steal the event loop of the client being measured, or in-process for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startFakeScenario } from '../test/fake-scenario/index';
import type { RouteName } from '../test/fake-scenario/types';
import { ROUTE_NAMES } from '../test/fake-scenario/types';
import { countsSchema, replySchema, statsSchema, summarySchema, type CommandBody, type ServerStats, type ServerSummary, type StartOptions } from './server-protocol';

export type ServerMode = 'child' | 'in-process';
export type RouteCounts = Record<RouteName, number>;

export interface BenchServer {
  readonly url: string;
  readonly mode: ServerMode;
  readonly apiKey: string;
  readonly apiSecret: string;
  counts(): Promise<RouteCounts>;
  resetCounts(): Promise<void>;
  /** Load of the server since resetCounts; in-process it is the shared process's, so undefined. */
  stats(): Promise<ServerStats | undefined>;
  addSyntheticAsset(options: { bytes: number; kind: 'svg' | 'glb' }): Promise<string>;
  /** Jobs accepted so far, their total time, and generates refused for the team's ceiling. */
  summary(): Promise<ServerSummary>;
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..');
const START_TIMEOUT_MS = 30_000;

function fullCounts(partial: Partial<Record<RouteName, number>>): RouteCounts {
  const out = {} as RouteCounts;
  for (const r of ROUTE_NAMES) out[r] = partial[r] ?? 0;
  return out;
}

export async function startBenchServer(mode: ServerMode, options: StartOptions): Promise<BenchServer> {
  return mode === 'child' ? startChild(options) : startInProcess(options);
}

async function startInProcess(options: StartOptions): Promise<BenchServer> {
  const { faults, ...rest } = options;
  const fake = await startFakeScenario({ ...rest, ...(faults?.teamJobLimit !== undefined ? { faults: { teamJobLimit: faults.teamJobLimit } } : {}) });
  return {
    url: fake.url,
    mode: 'in-process',
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    counts: async () => fullCounts(fake.counts),
    resetCounts: async () => fake.resetCounts(),
    stats: async () => undefined,
    addSyntheticAsset: async (o) => fake.addSyntheticAsset(o),
    summary: async () => {
      const generates = fake.generates;
      return { jobs: generates.length, jobMsTotal: generates.reduce((sum, g) => sum + g.durationMs, 0), teamLimitRefusals: fake.teamLimitRefusals };
    },
    close: () => fake.close(),
  };
}

async function startChild(options: StartOptions): Promise<BenchServer> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'bench', 'server-child.ts'), JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let exited = false;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the fake server child did not start in time')), START_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake server child exited (code ${code}) before it was ready`)));
    child.on('message', (raw: unknown) => {
      const reply = replySchema.safeParse(raw);
      if (!reply.success) return;
      const m = reply.data;
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.url);
        return;
      }
      const waiter = pending.get(m.id);
      if (!waiter) return;
      pending.delete(m.id);
      if (m.type === 'result') waiter.resolve(m.value);
      else waiter.reject(new Error(`fake server: ${m.message}`));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', () => {
    exited = true;
    for (const w of pending.values()) w.reject(new Error('the fake server child exited'));
    pending.clear();
  });

  const call = (body: CommandBody): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error('the fake server child has exited'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...body, id });
    });

  return {
    url,
    mode: 'child',
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    counts: async () => fullCounts(countsSchema.parse(await call({ cmd: 'counts' }))),
    resetCounts: async () => {
      await call({ cmd: 'resetCounts' });
    },
    stats: async () => statsSchema.parse(await call({ cmd: 'stats' })),
    addSyntheticAsset: async (o) => {
      const id = await call({ cmd: 'addSyntheticAsset', ...o });
      if (typeof id !== 'string') throw new Error('fake server returned no asset id');
      return id;
    },
    summary: async () => summarySchema.parse(await call({ cmd: 'summary' })),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call({ cmd: 'close' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
