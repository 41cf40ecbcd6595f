import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE_NAME } from '../../src/main/engine/queue/store';
import { createRng } from '../fake-scenario/faults';
import type { FakeScenario, RouteName } from '../fake-scenario/index';
import { startCli, type CliResult } from './cli';
import type { KillPlan } from './crash';

/**
 * `kills` moments spread evenly over `routes` (in turn: a, b, c, a, b, c…), each at the n-th
 * request of its route with n drawn from 1..maxAfter by a seeded PRNG, so a failure replays.
 */
export function seededKillPlan(seed: number, routes: readonly RouteName[], kills: number, maxAfter: number): KillPlan[] {
  const random = createRng(seed);
  return Array.from({ length: kills }, (_, i) => ({
    route: routes[i % routes.length] as RouteName,
    after: 1 + Math.floor(random() * maxAfter),
  }));
}

export interface KillStep {
  plan: KillPlan;
  /** Whether the run was SIGKILLed (rather than finishing before its moment came). */
  killed: boolean;
  result: CliResult;
}

/**
 * Whether every job the server created is already recorded in the client's durable store (the
 * SQLite file under `stateDir`, read here through a read-only connection). Then no generate answer
 * is on its way to the client, so a kill cannot cost a second generate (see crash.ts for why that
 * one moment must be avoided). Unlike `jobsAwaitingFirstPoll() === 0`, this also holds in the
 * steady state of a busy batch, where some job is always waiting for its first poll.
 */
export function everyJobRecorded(server: FakeScenario, stateDir: string, dbFile = DB_FILE_NAME): { check: () => boolean; close: () => void } {
  let db: Database.Database | undefined;
  return {
    check() {
      const path = join(stateDir, dbFile);
      if (!db) {
        if (!existsSync(path)) return server.generates.length === 0;
        db = new Database(path, { readonly: true, fileMustExist: true });
      }
      const recorded = new Set((db.prepare('SELECT job_id FROM items WHERE job_id IS NOT NULL').all() as Array<{ job_id: string }>).map((r) => r.job_id));
      return server.generates.every((g) => recorded.has(g.jobId));
    },
    close: () => db?.close(),
  };
}

/**
 * Like runWithKills (crash.ts), and with the same rule: a kill happens at or after the planned
 * request, at the first request of that route where `safeToKill()` holds (by default: no generate
 * answer is still on its way to the client, `jobsAwaitingFirstPoll() === 0`; see crash.ts).
 * Reports every step, then runs once more to completion.
 */
export async function runWithKillSteps(
  server: FakeScenario,
  args: string[],
  plan: readonly KillPlan[],
  options: { env?: NodeJS.ProcessEnv; safeToKill?: () => boolean } = {},
): Promise<{ steps: KillStep[]; final: CliResult }> {
  const env = options.env ?? {};
  const safeToKill = options.safeToKill ?? (() => server.jobsAwaitingFirstPoll() === 0);
  let trigger: (() => void) | undefined;
  let target: KillPlan | undefined;
  let seen = 0;
  server.on('request', (route) => {
    if (!target || route !== target.route) return;
    seen++;
    if (seen >= target.after && safeToKill()) trigger?.();
  });
  const steps: KillStep[] = [];
  for (const step of plan) {
    const run = startCli(args, env);
    let killed = false;
    seen = 0;
    target = step;
    trigger = () => {
      target = undefined;
      killed = run.child.kill('SIGKILL');
    };
    const result = await run.result;
    target = undefined;
    trigger = undefined;
    if (result.signal !== 'SIGKILL' && result.code !== 0 && result.code !== 1) {
      throw new Error(`run ended unexpectedly (${result.code}): ${result.stderr}`);
    }
    steps.push({ plan: step, killed: killed && result.signal === 'SIGKILL', result });
  }
  const final = await startCli(args, env).result;
  return { steps, final };
}

/** How many times each key occurs. */
export function tally(keys: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}
