import { setFlagsFromString } from 'node:v8';

/**
 * Two of V8's budgets, set for the command's process: how much TurboFan may inline into one
 * optimised function, and, for a short batch, how much a function must run before V8 optimises it.
 *
 * Why. A `kiln convert` batch is a short-lived process whose hot code is broad (HTTP, the queue
 * store, validation, file calls), not deep: V8 optimises some 150 functions in a 300-item batch, on
 * its own threads. That compiling was 17 % of the command's CPU over 1,000 items (docs/performance.md,
 * "Profiles that count CPU only"), and the largest part that the floor (bench/cli-floor.ts) does not share.
 *
 * Only the command's process: the desktop app's engine runs for hours, where V8's defaults pay off.
 * The tier-up budget is `kiln convert`'s alone (`kiln watch` runs for hours too). A budget the user
 * set (NODE_OPTIONS or a flag to node) is left alone.
 */

/**
 * Inlining. A compile's cost grows with what it inlines; the code it gives is hardly faster here,
 * where the time goes in system calls and native code. The total bytecode TurboFan may inline into
 * one function, 920 by default, is 300 here.
 *
 * Measured (`--trace-opt`, and CPU per item in interleaved runs against the fake server, issue 13.3,
 * bench/cli-cpu.ts): TurboFan's compile time for a 300-item batch about 870 → 610–680 ms (single
 * traced runs); CPU per item 8.96 → 8.54 ms at 300 items (10 rounds, lower in 6; a second set of
 * 10: 8.81 → 8.55, lower in 8), 6.73 → 6.20 ms at 1,000 (lower in 5 of 6), 5.03 → 4.83 ms at
 * 3,000 (lower in 4 of 4). 150 measured like 300 at 300 items; 460 kept less than half the gain;
 * no inlining at all (`--no-turbo-inlining`) kept less at 1,000 items (0.17 ms against 0.53).
 */
const INLINING_BUDGET = 'max-inlined-bytecode-size-cumulative';

/**
 * Tiering up. V8 optimises a function once it has run a budget's worth of bytecode, whatever is
 * left for it to run: it cannot know that the process ends after the batch. The command does know.
 * In a short batch most of a function's optimised code would run only a few times before the
 * process exits, so its compile costs more CPU than it saves; in a long batch the optimised code
 * pays for itself. So a batch of at most SHORT_BATCH_ITEMS items to run doubles the budget, and a
 * longer one keeps V8's default.
 *
 * Measured (interleaved rounds against the fake server, 200 ms jobs, concurrency 16; the budget
 * doubled once the batch is queued, as here, or for the whole process): see docs/performance.md,
 * "What took it down". At 3,000 items the doubled budget cost CPU, which is why a
 * long batch keeps the default.
 *
 * V8 11 (Node 20) is the engine this was measured on; its default budget is 66 KB of bytecode
 * (flag-definitions.h). Later V8s put Maglev, a much cheaper optimising tier, in front of TurboFan
 * and move the budget (132 KB in V8 12), so there the default is kept.
 */
const TIER_UP_BUDGET = 'interrupt-budget';
const V8_11_TIER_UP_BUDGET = 66 * 1024;
export const SHORT_BATCH_ITEMS = 1000;

/** Whether `userFlags` (node's own flags and NODE_OPTIONS) set `flag`; V8 reads `_` as `-`, and a flag may come as --flag or --flag=value. */
function userSet(userFlags: string, flag: string): boolean {
  return userFlags.replaceAll('_', '-').split(/\s+/).some((f) => f === `--${flag}` || f.startsWith(`--${flag}=`));
}

/** The inlining flag to give V8, or undefined when the user already set that budget. */
export function inliningBudgetFlag(userFlags: string): string | undefined {
  return userSet(userFlags, INLINING_BUDGET) ? undefined : `--${INLINING_BUDGET}=300`;
}

/** The tier-up flag for a batch of `items` to run on V8 `v8Version`, or undefined to keep the default. */
export function tierUpBudgetFlag(items: number, v8Version: string, userFlags: string): string | undefined {
  if (items > SHORT_BATCH_ITEMS || userSet(userFlags, TIER_UP_BUDGET)) return undefined;
  if (v8Version.split('.')[0] !== '11') return undefined;
  return `--${TIER_UP_BUDGET}=${2 * V8_11_TIER_UP_BUDGET}`;
}

/** node's own flags and NODE_OPTIONS, as one string. */
function userFlagsOfThisProcess(): string {
  return `${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`;
}

/** At the command's start, before any of its code runs hot. */
export function lowerInliningBudget(): void {
  const flag = inliningBudgetFlag(userFlagsOfThisProcess());
  if (flag) setFlagsFromString(flag);
}

/**
 * Once the batch is queued and before it runs: V8 reads the budget each time a function's count
 * starts again, so the functions of the items' work, which have hardly run yet, go by the new one.
 */
export function sizeTierUpToBatch(items: number): void {
  const flag = tierUpBudgetFlag(items, process.versions.v8, userFlagsOfThisProcess());
  if (flag) setFlagsFromString(flag);
}
