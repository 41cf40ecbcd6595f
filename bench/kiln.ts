/**
 * Kiln's engine wired exactly as `kiln convert` wires it (src/cli/convert.ts): expandInputs →
 * QueueStore.addItems → ScenarioClient → QueueRunner, in this process. Only the terminal reporter
 * is left out, so what is timed is the engine, not the progress line.
 */
import { performance } from 'node:perf_hooks';
import { isFinalState } from '../src/shared/item-states';
import { expandInputs } from '../src/main/engine/inputs/expand';
import { findModel, resolveParams } from '../src/main/engine/models/registry';
import { dedupeKey } from '../src/main/engine/queue/dedupe-key';
import { QueueRunner } from '../src/main/engine/queue/runner';
import { QueueStore } from '../src/main/engine/queue/store';
import type { ItemState, NewItem, QueueItem } from '../src/main/engine/queue/types';
import { ScenarioClient } from '../src/main/engine/scenario/client';
import { durationMemory } from '../src/main/engine/queue/duration-memory';
import type { BenchServer } from './server';
import { median } from './stats';

export const BENCH_MODEL = 'vtracer';
const QUEUE_ID = 'bench';

export interface KilnRun {
  items: number;
  done: number;
  failed: number;
  /** From before expandInputs to the last item final, as a user of `kiln convert` waits. */
  wallMs: number;
  /** Of which: expandInputs + addItems. */
  enqueueMs: number;
  /** Share of the run this process's event loop was busy (1 = the client itself is the bottleneck). */
  eventLoopUtilization: number;
  /** CPU time this process used (user + system) per item. */
  cpuMsPerItem: number;
  /** Medians per item, from the runner's own events (where the time goes). */
  phases: { uploadAndGenerateMs: number; jobWaitMs: number; downloadMs: number; slotMs: number };
  errors: string[];
}

export async function runKiln(options: {
  server: BenchServer;
  inputs: readonly string[];
  outDir: string;
  stateDir: string;
  concurrency: number;
}): Promise<KilnRun> {
  const model = findModel(BENCH_MODEL);
  if (!model) throw new Error(`model ${BENCH_MODEL} is not registered`);
  const params = resolveParams(model, undefined, {});
  const output = { dir: options.outDir, template: '{name}.{ext}', collision: 'overwrite' as const };

  const t0 = performance.now();
  const expanded = await expandInputs(options.inputs, model);
  if (expanded.rejected.length > 0 || expanded.accepted.length !== options.inputs.length) {
    throw new Error(`bench inputs not all accepted: ${JSON.stringify(expanded.rejected.slice(0, 3))}`);
  }
  const store = QueueStore.open(options.stateDir);
  const newItems: NewItem[] = expanded.accepted.map((f) => ({
    queueId: QUEUE_ID,
    inputPath: f.path,
    inputKind: f.kind,
    inputSize: f.size,
    modelKey: model.key,
    params,
    output,
    dedupeKey: dedupeKey([QUEUE_ID, f.path, f.size, f.mtimeMs, model.key, params, output]),
  }));
  const items = store.addItems(newItems);
  const enqueueMs = performance.now() - t0;
  const ours = new Set(items.map((i) => i.id));

  const client = new ScenarioClient({ baseUrl: options.server.url, apiKey: options.server.apiKey, apiSecret: options.server.apiSecret, durationMemory: durationMemory(store) });
  const runner = new QueueRunner({ store, api: client, concurrency: options.concurrency, accept: (i) => ours.has(i.id) });

  const firstSeen = new Map<string, Partial<Record<ItemState, number>>>();
  const errors: string[] = [];
  let done = 0;
  let failed = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  runner.on('item', (item: QueueItem) => {
    if (!ours.has(item.id)) return;
    let seen = firstSeen.get(item.id);
    if (!seen) firstSeen.set(item.id, (seen = {}));
    seen[item.state] ??= performance.now();
    if (isFinalState(item.state)) {
      if (item.state === 'done') done++;
      else {
        failed++;
        if (errors.length < 5) errors.push(item.error ?? item.state);
      }
      if (done + failed === ours.size) finish();
    }
  });
  runner.on('auth-failed', (message) => {
    errors.push(message);
    finish();
  });

  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  try {
    await runner.start();
    await finished;
    const wallMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    await runner.stop();
    const span = (from: ItemState, to: ItemState) =>
      median([...firstSeen.values()].flatMap((s) => (s[from] !== undefined && s[to] !== undefined ? [(s[to] ?? 0) - (s[from] ?? 0)] : [])));
    return {
      items: ours.size,
      done,
      failed,
      wallMs,
      enqueueMs,
      eventLoopUtilization: elu,
      cpuMsPerItem: (cpu.user + cpu.system) / 1000 / ours.size,
      phases: {
        uploadAndGenerateMs: span('uploading', 'submitted'),
        jobWaitMs: span('submitted', 'downloading'),
        downloadMs: span('downloading', 'done'),
        slotMs: span('uploading', 'done'),
      },
      errors,
    };
  } finally {
    store.close();
  }
}
