import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE_NAME } from '../../src/main/engine/queue/store';
import { createRng } from '../fake-scenario/faults';
import type { FakeScenario, RouteName } from '../fake-scenario/index';
import { startCli, type CliResult, type CliRun } from './cli';
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
      // A generate the server is still handling will create a job the client may never hear of
      // (a held one is not being handled: runWithKillSteps drops it unanswered).
      if (server.handlingRequests('generate') > 0) return false;
      const recorded = new Set((db.prepare('SELECT job_id FROM items WHERE job_id IS NOT NULL').all() as Array<{ job_id: string }>).map((r) => r.job_id));
      return server.generates.every((g) => recorded.has(g.jobId));
    },
    close: () => db?.close(),
  };
}

function stateOf(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Kills `child` with SIGKILL only if `safe()` holds while it cannot act: it is frozen first
 * (SIGSTOP), the requests it had already written are given time to reach the server, and only then
 * is `safe()` asked. A plain check-then-kill leaves a gap in which the process can still send a
 * generate whose job it will never hear of. Thaws the child (SIGCONT) when it is not safe.
 */
async function killIfSafe(child: ChildProcess, safe: () => boolean): Promise<boolean> {
  const pid = child.pid;
  if (pid === undefined || !safe() || !child.kill('SIGSTOP')) return false;
  for (let i = 0; i < 200 && stateOf(pid) !== 'T' && stateOf(pid) !== undefined; i++) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 15));
  if (safe()) return child.kill('SIGKILL');
  child.kill('SIGCONT');
  return false;
}

/**
 * The harness behind runWithKills (crash.ts), with its rule: the planned request arms the kill, which
 * happens then or at the first moment after it when `safeToKill()` holds (by default: no generate
 * answer is still on its way to the client, `jobsAwaitingFirstPoll() === 0`; see crash.ts) —
 * tried at every request the server receives and every 2 ms, and decided while the process is
 * frozen (see killIfSafe). Reports every step, then runs once more to completion.
 *
 * From the arming request on, the server holds (does not act on) the client's requests on the
 * planned route and its generates, letting only first polls through, until the run ends. So it
 * cannot finish before its moment comes (it waits on the held request), and no new job is made
 * while the jobs already made get their first poll: the safe moment always comes, however slow
 * the machine. A held generate dies with the process, unanswered and never acted on.
 */
export async function runWithKillSteps(
  server: FakeScenario,
  args: string[],
  plan: readonly KillPlan[],
  options: { env?: NodeJS.ProcessEnv; safeToKill?: () => boolean } = {},
): Promise<{ steps: KillStep[]; final: CliResult }> {
  const env = options.env ?? {};
  const safeToKill = options.safeToKill ?? (() => server.jobsAwaitingFirstPoll() === 0);
  let current: { run: CliRun; plan: KillPlan; seen: number; armed: boolean; trying: boolean; killed: boolean } | undefined;
  const attempt = () => {
    const c = current;
    if (!c || !c.armed || c.trying || c.killed) return;
    c.trying = true;
    void killIfSafe(c.run.child, safeToKill).then((killed) => {
      c.killed ||= killed;
      c.trying = false;
    });
  };
  server.on('request', (route) => {
    if (current && route === current.plan.route && ++current.seen >= current.plan.after) current.armed = true;
    attempt();
  });
  // Asked right after the 'request' event above, so the arming request itself is held.
  server.holdRequests((r) => {
    const c = current;
    return c !== undefined && c.armed && !r.firstPoll && (r.route === c.plan.route || r.route === 'generate');
  });
  const ticker = setInterval(attempt, 2);
  const steps: KillStep[] = [];
  try {
    for (const step of plan) {
      const run = startCli(args, env);
      const c = { run, plan: step, seen: 0, armed: false, trying: false, killed: false };
      current = c;
      const result = await run.result;
      current = undefined;
      // The process is gone: what it left waiting is never acted on (its sockets may not have closed yet).
      server.dropHeld();
      if (result.signal !== 'SIGKILL' && result.code !== 0 && result.code !== 1) {
        throw new Error(`run ended unexpectedly (${result.signal ?? result.code}): ${result.stderr}`);
      }
      steps.push({ plan: step, killed: c.killed && result.signal === 'SIGKILL', result });
    }
  } finally {
    clearInterval(ticker);
    server.holdRequests(undefined);
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
