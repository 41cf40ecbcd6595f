/**
 * 7. CLI start: `kiln --help` and `kiln models` against a bare `node -e 0`, run side by side
 * (interleaved, so machine load hits all three alike). The compiled CLI loads no conversion
 * library for these (src/cli/main.ts imports convert/watch lazily).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Section } from './section';
import { verdict } from './section';
import { median } from './stats';
import { fmtMs, fmtRatio } from './table';

/** Issue 13: within 4 × a bare Node start. */
export const CLI_START_TARGET = 4;

const root = join(import.meta.dirname, '..');
const KILN = join(root, 'bin', 'kiln.cjs');

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr.toString()}`);
  return ms;
}

/** Peak resident memory of one run, reported by the process itself as it exits (separate runs: not timed). */
function peakRssMiB(args: readonly string[]): number {
  const report = `process.on('exit', () => process.stderr.write('\\nkiln-bench-maxrss=' + process.resourceUsage().maxRSS + '\\n'))`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const kib = /kiln-bench-maxrss=(\d+)/.exec(run.stderr.toString())?.[1];
  if (!kib) throw new Error(`${args.join(' ')} did not report its memory: ${run.stderr.toString()}`);
  return Number(kib) / 1024;
}

export const cliStart: Section = {
  key: 'cli-start',
  title: 'CLI start',
  async run(ctx) {
    const runs = ctx.settings.quick ? 8 : 30;
    const commands = { node: ['-e', '0'], help: [KILN, '--help'], models: [KILN, 'models'] } as const;
    const times: Record<keyof typeof commands, number[]> = { node: [], help: [], models: [] };
    // One warm-up each (disk cache), then interleaved rounds.
    for (const args of Object.values(commands)) timeOnce([...args]);
    for (let i = 0; i < runs; i++) {
      for (const [name, args] of Object.entries(commands) as Array<[keyof typeof commands, readonly string[]]>) times[name].push(timeOnce([...args]));
    }
    const rss = {
      node: median([0, 1, 2].map(() => peakRssMiB(commands.node))),
      help: median([0, 1, 2].map(() => peakRssMiB(commands.help))),
    };
    const base = median(times.node);
    const help = median(times.help) / base;
    const models = median(times.models) / base;
    ctx.log(`cli-start: node -e 0 ${fmtMs(base)}, --help ${fmtMs(median(times.help))}, models ${fmtMs(median(times.models))}`);
    return {
      rows: [
        { metric: 'kiln --help start ÷ bare node -e 0 (medians)', value: `${fmtRatio(help)} (${fmtMs(median(times.help))} vs ${fmtMs(base)})`, target: `≤ ${CLI_START_TARGET}×`, verdict: verdict(help <= CLI_START_TARGET) },
        { metric: 'kiln models start ÷ bare node -e 0 (medians)', value: `${fmtRatio(models)} (${fmtMs(median(times.models))})`, target: `≤ ${CLI_START_TARGET}×`, verdict: verdict(models <= CLI_START_TARGET) },
        { metric: 'kiln --help peak RSS (median of 3)', value: `${rss.help.toFixed(0)} MiB (node -e 0: ${rss.node.toFixed(0)} MiB)` },
      ],
      notes: [`${runs} interleaved runs of each command (wall time, process start to exit), after one warm-up.`],
      data: { runs, ms: times, ratio: { help, models }, peakRssMiB: rss },
    };
  },
};
