/**
 * 5. Queue scale: the cost of a state transition with 10, 1,000 and 10,000 items stored, and
 * enqueueing a drop of 5,000 files as the app does it (the engine's enqueue, src/main/engine/queue/enqueue.ts).
 */
import { join } from 'node:path';
import { findModel, resolveParams } from '../src/main/engine/models/registry';
import { enqueueFiles as enqueueOnQueue, expandBatch } from '../src/main/engine/queue/enqueue';
import { QueueStore } from '../src/main/engine/queue/store';
import type { ItemState, NewItem } from '../src/main/engine/queue/types';
import { makePngs, tempDir } from './fixtures';
import { BENCH_MODEL } from './kiln';
import type { Section } from './section';
import { verdict } from './section';
import { elapsedMs, median, percentile } from './stats';
import { fmtMs, fmtRatio } from './table';

/** "Flat": a transition among 10,000 items costs at most this much more than among 10. */
export const FLAT_TARGET = 1.5;
export const ENQUEUE_TARGET_MS = 1000;

/** One trip round the lifecycle; every step is a legal transition, so it can repeat forever. */
const CYCLE: readonly ItemState[] = ['uploading', 'submitted', 'processing', 'downloading', 'done', 'queued'];
/** A queue the picking query is told to skip (a paused one), as QueueRunner.pickNext passes them. */
const PAUSED = ['paused'];

function fakeItems(count: number, queueId: string): NewItem[] {
  const model = findModel(BENCH_MODEL);
  if (!model) throw new Error(`model ${BENCH_MODEL} is not registered`);
  const params = resolveParams(model, undefined, {});
  const output = { dir: '/tmp/kiln-bench-unused', template: '{name}.{ext}', collision: 'keep-both' as const };
  return Array.from({ length: count }, (_, i) => ({
    queueId,
    inputPath: `/tmp/kiln-bench-unused/img-${i}.png`,
    inputKind: 'png' as const,
    inputSize: 1000,
    modelKey: model.key,
    params,
    output,
    dedupeKey: `bench-${queueId}-${i}`,
  }));
}

interface SizeTimings {
  size: number;
  transitionMs: number[];
  pickMs: number[];
  /** Restart recovery's search for items left in flight (QueueRunner.recover), once per start. */
  recoverMs: number[];
}

async function transitions(ctx: Parameters<Section['run']>[0]): Promise<SizeTimings[]> {
  const { queueSizes, transitionReps } = ctx.settings;
  const stores = await Promise.all(
    queueSizes.map(async (size) => {
      const store = QueueStore.open(await tempDir(`store-${size}`));
      const ids = store.addItems(fakeItems(size, 'q')).map((i) => i.id);
      return { size, store, ids, timings: { size, transitionMs: [] as number[], pickMs: [] as number[], recoverMs: [] as number[] } };
    }),
  );
  try {
    const cycles = Math.ceil(transitionReps / CYCLE.length);
    // Sizes take turns, so drift in the machine's speed (other work, thermal) hits them alike.
    for (let c = 0; c < cycles; c++) {
      for (const s of stores) {
        const id = s.ids[Math.floor(Math.random() * s.ids.length)] as string;
        for (const to of CYCLE) {
          const t0 = process.hrtime.bigint();
          s.store.transition(id, to, to === 'processing' ? { progress: 0.5 } : {});
          s.timings.transitionMs.push(elapsedMs(t0));
        }
        // The runner's pick (QueueRunner.pickNext): the next queued item, with and without a
        // paused queue to leave out.
        const t1 = process.hrtime.bigint();
        s.store.nextRunnable(1);
        s.store.nextRunnable(1, undefined, PAUSED);
        s.timings.pickMs.push(elapsedMs(t1));
        if (c % 10 === 0) {
          const t2 = process.hrtime.bigint();
          s.store.list({ states: ['uploading', 'submitted', 'processing', 'downloading'] });
          s.timings.recoverMs.push(elapsedMs(t2));
        }
      }
    }
  } finally {
    for (const s of stores) s.store.close();
  }
  return stores.map((s) => s.timings);
}

interface EnqueueTiming {
  totalMs: number;
  expandMs: number;
  addMs: number;
}

async function enqueueDrop(ctx: Parameters<Section['run']>[0]): Promise<EnqueueTiming[]> {
  const { enqueueFiles, enqueueRuns } = ctx.settings;
  const model = findModel(BENCH_MODEL);
  if (!model) throw new Error(`model ${BENCH_MODEL} is not registered`);
  const dropped = await tempDir('drop');
  await makePngs(dropped, enqueueFiles);
  const times: EnqueueTiming[] = [];
  for (let run = 0; run < enqueueRuns; run++) {
    const store = QueueStore.open(await tempDir('drop-state'));
    const queueId = 'drop';
    const params = resolveParams(model, undefined, {});
    const output = { dir: join(dropped, 'out'), template: '{name}.{ext}', collision: 'keep-both' as const };
    try {
      const t0 = process.hrtime.bigint();
      const target = { queueId, model, params, output, engine: 'cloud' as const };
      const expanded = await expandBatch([dropped], target);
      const expandMs = elapsedMs(t0);
      // As a drop on the app's queue: hashed, already-converted checked, broken files recorded.
      const results = (await enqueueOnQueue(store, target, expanded, { skipConverted: true, recordBroken: true, requeueFinished: true })).added;
      const totalMs = elapsedMs(t0);
      times.push({ totalMs, expandMs, addMs: totalMs - expandMs });
      if (results.length !== enqueueFiles) throw new Error(`enqueued ${results.length} of ${enqueueFiles} files`);
    } finally {
      store.close();
    }
  }
  return times;
}

export const queueScale: Section = {
  key: 'queue-scale',
  title: '5. Queue scale',
  async run(ctx) {
    ctx.log(`queue-scale: transitions at ${ctx.settings.queueSizes.join(', ')} items`);
    const sizes = await transitions(ctx);
    ctx.log(`queue-scale: enqueue ${ctx.settings.enqueueFiles} dropped files × ${ctx.settings.enqueueRuns}`);
    const enqueue = await enqueueDrop(ctx);

    const first = sizes[0];
    const last = sizes[sizes.length - 1];
    const ratio = first && last ? median(last.transitionMs) / median(first.transitionMs) : Number.NaN;
    const pickRatio = first && last ? median(last.pickMs) / median(first.pickMs) : Number.NaN;
    const enqueueMedian = median(enqueue.map((e) => e.totalMs));
    return {
      rows: [
        ...sizes.map((s) => ({
          metric: `transition with ${s.size.toLocaleString('en-US')} items (median, p95; n=${s.transitionMs.length})`,
          value: `${fmtMs(median(s.transitionMs))}, ${fmtMs(percentile(s.transitionMs, 95))}`,
        })),
        {
          metric: `transition median ${last?.size.toLocaleString('en-US')} ÷ ${first?.size.toLocaleString('en-US')}`,
          value: fmtRatio(ratio),
          target: `≤ ${fmtRatio(FLAT_TARGET)} (flat)`,
          verdict: verdict(ratio <= FLAT_TARGET),
        },
        {
          metric: `runner's pick of the next queued item ${last?.size.toLocaleString('en-US')} ÷ ${first?.size.toLocaleString('en-US')} (median)`,
          value: `${fmtRatio(pickRatio)} (${sizes.map((s) => fmtMs(median(s.pickMs))).join(' / ')})`,
        },
        {
          metric: `restart recovery's search for items left in flight, once per start (median)`,
          value: sizes.map((s) => `${fmtMs(median(s.recoverMs))} at ${s.size.toLocaleString('en-US')}`).join(', '),
        },
        {
          metric: `enqueue ${ctx.settings.enqueueFiles.toLocaleString('en-US')} dropped files (median of ${enqueue.length})`,
          value: `${fmtMs(enqueueMedian)} (expand ${fmtMs(median(enqueue.map((e) => e.expandMs)))} + hash and store ${fmtMs(median(enqueue.map((e) => e.addMs)))})`,
          target: `< ${fmtMs(ENQUEUE_TARGET_MS)}`,
          verdict: verdict(enqueueMedian < ENQUEUE_TARGET_MS),
        },
      ],
      notes: [
        'transitions: file-backed store (WAL) as the app opens it; random items taken round the whole lifecycle, sizes interleaved',
        'enqueue: the engine\'s enqueue as the app runs it for a drop: expandBatch (stat, realpath, content sniff per file, name clashes) + enqueueFiles (content hash, already-converted check, addItemsDetailed), fresh store each run',
      ],
      data: {
        sizes: sizes.map((s) => ({
          size: s.size,
          transitionMedianMs: median(s.transitionMs),
          transitionP95Ms: percentile(s.transitionMs, 95),
          pickMedianMs: median(s.pickMs),
          recoverMedianMs: median(s.recoverMs),
          n: s.transitionMs.length,
        })),
        transitionRatio: ratio,
        pickRatio,
        flatTarget: FLAT_TARGET,
        enqueue,
        enqueueMedianMs: enqueueMedian,
        enqueueTargetMs: ENQUEUE_TARGET_MS,
      },
    };
  },
};
