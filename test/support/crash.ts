import { readdir } from 'node:fs/promises';
import type { FakeScenario, RouteName } from '../fake-scenario/index';
import type { CliResult } from './cli';
import { runWithKillSteps } from './kill-schedule';

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
 * The kill is decided while the process is frozen (see kill-schedule.ts).
 */
export async function runWithKills(server: FakeScenario, args: string[], plan: readonly KillPlan[]): Promise<{ final: CliResult; killed: number }> {
  const { steps, final } = await runWithKillSteps(server, args, plan);
  return { final, killed: steps.filter((s) => s.killed).length };
}

export async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
