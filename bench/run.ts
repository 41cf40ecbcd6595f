// `npm run bench [-- --quick] [--only throughput,naive,...] [--server child|in-process]`
// Kiln's performance claims, measured side by side in one run against the fake Scenario server.
// Prints one table and writes it, with every raw figure, to bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { makePngs, removeTempDirs, tempDir } from './fixtures';
import { cliCpu } from './cli-cpu';
import { cliStart } from './cli-start';
import { memory } from './memory';
import { naive } from './naive';
import { queueScale } from './queue-scale';
import { requests } from './requests';
import type { BenchContext, BenchSettings, Row, Section, SectionResult, ThroughputRun } from './section';
import { startBenchServer, type BenchServer } from './server';
import { renderTable } from './table';
import { measureThroughput, throughput } from './throughput';
import { trace } from './trace';
import { ui } from './ui';
import { ceiling } from './ceiling';
import { uploadMemory } from './upload-memory';

// In the order; each section may use the shared server and throughput run, nothing else.
const SECTIONS: readonly Section[] = [throughput, naive, requests, memory, queueScale, ui, ceiling, uploadMemory, cliStart, cliCpu, trace];
const SECTION_KEYS = SECTIONS.map((s) => s.key);

const USAGE = `usage: npm run bench -- [--quick] [--only ${SECTION_KEYS.join(',')}] [--server child|in-process]
  --quick    CI smoke run (well under a minute): smaller samples, same checks
  --only     run only these sections (comma-separated); shared runs are done as needed
  --server   where the fake Scenario server runs (default child: its CPU stays off the client's event loop)`;

const flagsSchema = z.object({
  quick: z.boolean().default(false),
  only: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? [...SECTION_KEYS] : v.split(',').map((s) => s.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(SECTION_KEYS as [string, ...string[]])).min(1, 'name at least one section')),
  server: z.enum(['child', 'in-process']).default('child'),
  help: z.boolean().default(false),
});

function parseFlags(): z.infer<typeof flagsSchema> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        server: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${USAGE}`);
    process.exit(2);
  }
  return parsed.data;
}

function settingsFor(quick: boolean, serverMode: BenchSettings['serverMode']): BenchSettings {
  // Quick keeps every check but shrinks the samples: under a minute instead of a few minutes.
  return {
    quick,
    serverMode,
    jobDurationMs: 200,
    concurrency: 8,
    throughputItems: quick ? 120 : 1000,
    naiveSample: quick ? 8 : 40,
    naivePollMs: 1000,
    memoryBytes: quick ? 256 * 1024 * 1024 : 1024 * 1024 * 1024,
    memorySamples: quick ? 1 : 3,
    queueSizes: [10, 1000, 10_000],
    transitionReps: quick ? 600 : 6000,
    enqueueFiles: 5000,
    enqueueRuns: quick ? 1 : 3,
    uiItems: quick ? 2000 : 10_000,
    uiScrollMs: quick ? 1000 : 4000,
  };
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

interface Outcome {
  section: Section;
  result?: SectionResult;
  error?: string;
  ms: number;
}

async function main(): Promise<number> {
  const flags = parseFlags();
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const settings = settingsFor(flags.quick, flags.server);
  let started: BenchServer | undefined;
  const log = (message: string) => console.error(`[bench] ${message}`);

  const server = memo(async () => {
    started = await startBenchServer(settings.serverMode, {
      jobDurationMs: settings.jobDurationMs,
      apiKey: 'bench-key',
      apiSecret: 'bench-secret',
      seed: 1,
    });
    return started;
  });
  const inputs = memo(async () => makePngs(await tempDir('inputs'), settings.throughputItems));
  const ctx: BenchContext = { settings, server, inputs, log, throughput: memo((): Promise<ThroughputRun> => measureThroughput(ctx)) };

  const chosen = SECTIONS.filter((s) => flags.only.includes(s.key));
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  // Other work on the machine skews every figure; the load before and after says how much.
  const loadBefore = loadavg()[0] ?? 0;
  try {
    for (const section of chosen) {
      const s0 = performance.now();
      try {
        outcomes.push({ section, result: await section.run(ctx), ms: performance.now() - s0 });
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`${section.key} failed: ${message}`);
        outcomes.push({ section, error: error instanceof Error ? error.message : String(error), ms: performance.now() - s0 });
      }
    }
  } finally {
    await started?.close();
    await removeTempDirs();
  }
  const totalMs = performance.now() - t0;
  const loadAfter = loadavg()[0] ?? 0;

  const rows = outcomes.flatMap(({ section, result, error }) => {
    const lines: Row[] = result?.rows ?? [{ metric: 'error', value: error ?? 'unknown', verdict: 'MISS' }];
    return lines.map((r, i) => [i === 0 ? section.title : '', r.metric, r.value, r.target ?? '', r.verdict ?? '']);
  });
  const verdicts = outcomes.flatMap((o) => (o.result ? o.result.rows.flatMap((r) => (r.verdict ? [r.verdict] : [])) : ['ERROR']));
  const header =
    `Kiln bench${settings.quick ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} CPUs, ` +
    `fake server in ${settings.serverMode === 'child' ? 'a child process' : 'the same process'}, ${(totalMs / 1000).toFixed(0)} s, ` +
    `load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`;
  console.log(`\n${header}\n`);
  console.log(renderTable(['Section', 'Metric', 'Value', 'Target', 'Result'], rows));
  console.log('');
  for (const { section, result } of outcomes) {
    for (const note of result?.notes ?? []) console.log(`${section.title}: ${note}`);
  }
  const pass = verdicts.filter((v) => v === 'PASS').length;
  console.log(`\n${pass} PASS, ${verdicts.length - pass} MISS/ERROR${settings.quick ? ' (quick samples: indicative only)' : ''}`);

  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  await writeFile(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        settings,
        totalMs,
        loadAverage: { before: loadBefore, after: loadAfter },
        table: rows,
        sections: Object.fromEntries(
          outcomes.map((o) => [o.section.key, { title: o.section.title, ms: o.ms, ...(o.result ?? {}), ...(o.error ? { error: o.error } : {}) }]),
        ),
      },
      (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
      2,
    )}\n`,
  );
  console.log(`written ${file}`);
  return outcomes.some((o) => o.error) ? 1 : 0;
}

process.exitCode = await main();
