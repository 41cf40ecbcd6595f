import { readdir } from 'node:fs/promises';
import type { FakeScenario, RouteName } from '../fake-scenario/index';
import { startCli, type CliResult } from './cli';

export interface KillPlan {
  /** Kill when the server receives the n-th request (counted from the run's start) of this route. */
  route: RouteName;
  after: number;
}

/**
 * Runs the CLI once per kill in the plan, SIGKILLing it at the planned moment, then once more to
 * completion. A kill happens only while every job the server created has been polled at least
 * once, i.e. while no generate answer is still on its way to the client: the one moment the API
 * gives a client no way to recognise its own job after a crash (there is no idempotency key).
 */
export async function runWithKills(server: FakeScenario, args: string[], plan: readonly KillPlan[]): Promise<{ final: CliResult; killed: number }> {
  let trigger: (() => void) | undefined;
  let target: KillPlan | undefined;
  let seen = 0;
  server.on('request', (route) => {
    if (!target || route !== target.route) return;
    seen++;
    if (seen >= target.after && server.jobsAwaitingFirstPoll() === 0) trigger?.();
  });
  let killed = 0;
  for (const step of plan) {
    const run = startCli(args);
    seen = 0;
    target = step;
    trigger = () => {
      target = undefined;
      if (run.child.kill('SIGKILL')) killed++;
    };
    const result = await run.result;
    target = undefined;
    trigger = undefined;
    if (result.signal !== 'SIGKILL' && result.code !== 0 && result.code !== 1) {
      throw new Error(`run ended unexpectedly (${result.code}): ${result.stderr}`);
    }
  }
  const final = await startCli(args).result;
  return { final, killed };
}

export async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
