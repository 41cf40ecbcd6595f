/** What every bench section is and returns; run.ts runs them and prints one table. */
import type { KilnRun } from './kiln';
import type { ServerStats } from './server-protocol';
import type { BenchServer, RouteCounts, ServerMode } from './server';

export type Verdict = 'PASS' | 'MISS';

export interface Row {
  metric: string;
  value: string;
  target?: string;
  verdict?: Verdict;
}

export interface SectionResult {
  rows: Row[];
  /** Lines printed under the table: how a figure was obtained (samples, extrapolation, sizes). */
  notes: string[];
  /** Everything measured, for latest.json. */
  data: Record<string, unknown>;
}

export interface ThroughputRun {
  kiln: KilnRun;
  counts: RouteCounts;
  /** The fake server's own load during the run (child mode only). */
  serverStats: ServerStats | undefined;
  jobDurationMs: number;
  concurrency: number;
  idealMs: number;
}

export interface BenchSettings {
  quick: boolean;
  serverMode: ServerMode;
  jobDurationMs: number;
  concurrency: number;
  throughputItems: number;
  naiveSample: number;
  naivePollMs: number;
  memoryBytes: number;
  memorySamples: number;
  queueSizes: readonly number[];
  transitionReps: number;
  enqueueFiles: number;
  enqueueRuns: number;
  uiItems: number;
  uiScrollMs: number;
}

export interface BenchContext {
  readonly settings: BenchSettings;
  /** The shared fake server (started on first use), so sections 1–3 see the same server. */
  server(): Promise<BenchServer>;
  /** The throughput inputs (made once); other sections take prefixes of them. */
  inputs(): Promise<string[]>;
  /** The 1,000-item run, done once and shared by the throughput, requests and naive sections. */
  throughput(): Promise<ThroughputRun>;
  log(message: string): void;
}

export interface Section {
  key: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}

export function verdict(pass: boolean): Verdict {
  return pass ? 'PASS' : 'MISS';
}
