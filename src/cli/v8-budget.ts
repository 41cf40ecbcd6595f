import { setFlagsFromString } from 'node:v8';

/**
 * V8's budget for inlining, lowered for the command's process: the total bytecode TurboFan may
 * inline into one optimised function, 920 by default, is 300 here.
 *
 * Why. A `kiln convert` batch is a short-lived process whose hot code is broad (HTTP, the queue
 * store, validation, file calls), not deep: V8 optimises some 150 functions in a 300-item batch, on
 * its own threads. That compiling was 17 % of the command's CPU over 1,000 items (README "Profiles
 * that count CPU only"), and the largest part that the floor (bench/cli-floor.ts) does not share. A
 * compile's cost grows with what it inlines; the code it gives is hardly faster here, where the time
 * goes in system calls and native code.
 *
 * Measured (`--trace-opt`, and CPU per item in interleaved runs against the fake server, issue 13.3,
 * bench/cli-cpu.ts): TurboFan's compile time for a 300-item batch about 870 → 610–680 ms (single
 * traced runs); CPU per item 8.96 → 8.54 ms at 300 items (10 rounds, lower in 6; a second set of
 * 10: 8.81 → 8.55, lower in 8), 6.73 → 6.20 ms at 1,000 (lower in 5 of 6), 5.03 → 4.83 ms at
 * 3,000 (lower in 4 of 4). 150 measured like 300 at 300 items; 460 kept less than half the gain;
 * no inlining at all (`--no-turbo-inlining`) kept less at 1,000 items (0.17 ms against 0.53).
 *
 * Only the command: the desktop app's engine runs for hours, where the default pays off. A budget
 * the user set (NODE_OPTIONS or a flag to node) is left alone.
 */
const INLINING_BUDGET = 'max-inlined-bytecode-size-cumulative';

/** The flag to give V8, or undefined when `userFlags` (node's own flags and NODE_OPTIONS) already set the budget; V8 reads `_` as `-`. */
export function inliningBudgetFlag(userFlags: string): string | undefined {
  return userFlags.replaceAll('_', '-').includes(INLINING_BUDGET) ? undefined : `--${INLINING_BUDGET}=300`;
}

export function lowerInliningBudget(userFlags: string): void {
  const flag = inliningBudgetFlag(userFlags);
  if (flag) setFlagsFromString(flag);
}
