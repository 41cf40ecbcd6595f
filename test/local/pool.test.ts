import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalEnginePool } from '../../src/main/engine/local/pool';
import type { LocalJob } from '../../src/main/engine/local/pool';
import { countFaces, FBX_MESSAGE } from '../../src/main/engine/local/simplify';
import { BADGE, busyImage, parseSvg, TORUS_KNOT } from './helpers';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let busy: string;
const pools: LocalEnginePool[] = [];

function makePool(size: number): LocalEnginePool {
  const pool = new LocalEnginePool({ size });
  pools.push(pool);
  return pool;
}

/** Seconds of tracing: 1600 px of overlapping circles with the poster preset (full colour precision). */
const busyJob = (name: string): LocalJob => ({ engine: 'vectorise', inputPath: busy, outputPath: join(dir, name), params: { presetName: 'poster' } });
const badgeJob = (name: string, params = {}): LocalJob => ({ engine: 'vectorise', inputPath: BADGE, outputPath: join(dir, name), params });

/** Watches the main thread's event loop: the longest gap between 10 ms ticks. */
function watchEventLoop(): { stop(): { ticks: number; maxGap: number } } {
  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return { ticks, maxGap };
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-pool-'));
  busy = join(dir, 'busy.png');
  await busyImage(busy, 1600);
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalEnginePool', () => {
  it('runs both engines in worker threads and writes complete results, nothing half-written', async () => {
    const pool = makePool(2);
    const [svg, glb] = await Promise.all([
      pool.run(badgeJob('badge.svg')),
      pool.run({ engine: 'simplify', inputPath: TORUS_KNOT, outputPath: join(dir, 'knot.glb'), params: { faceLimit: 500 } }),
    ]);
    expect(svg).toEqual({});
    expect(parseSvg(await readFile(join(dir, 'badge.svg'), 'utf8')).paths.length).toBeGreaterThan(0);
    expect(glb.faces).toBeLessThanOrEqual(500);
    const doc = await new NodeIO().read(join(dir, 'knot.glb'));
    expect(countFaces(doc)).toBe(glb.faces);
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('keeps the main thread responsive while a long conversion runs', async () => {
    const pool = makePool(1);
    const loop = watchEventLoop();
    const started = performance.now();
    await pool.run(busyJob('busy.svg'));
    const elapsed = performance.now() - started;
    const { ticks, maxGap } = loop.stop();
    // Long enough that running it on this thread would have frozen the timer for a second or more…
    expect(elapsed).toBeGreaterThan(1000);
    // …yet the timer kept ticking: only worker start-up briefly delays it.
    expect(maxGap).toBeLessThan(Math.min(500, elapsed / 2));
    expect(ticks).toBeGreaterThan(elapsed / 10 / 3);
    expect(parseSvg(await readFile(join(dir, 'busy.svg'), 'utf8')).fills.length).toBeGreaterThan(16);
  });

  it('runs at most `size` conversions at once and queues the rest', async () => {
    const pool = makePool(2);
    let maxRunning = 0;
    const sampler = setInterval(() => (maxRunning = Math.max(maxRunning, pool.running)), 2);
    const jobs = [1, 2, 3, 4, 5].map((i) => pool.run(badgeJob(`q${i}.svg`, { presetName: i % 2 ? 'poster' : 'bw' })));
    expect(pool.running).toBe(2);
    expect(pool.pending).toBe(3);
    const results = await Promise.all(jobs);
    clearInterval(sampler);
    // Two asked for, and the pool never runs more than one per core.
    expect(maxRunning).toBe(Math.min(2, availableParallelism()));
    expect(results).toHaveLength(5);
    expect(pool.running).toBe(0);
    expect(pool.pending).toBe(0);
    for (const i of [1, 2, 3, 4, 5]) expect(parseSvg(await readFile(join(dir, `q${i}.svg`), 'utf8')).paths.length).toBeGreaterThan(0);
  });

  it('abort terminates the running conversion at once and leaves no output', async () => {
    const pool = makePool(1);
    const controller = new AbortController();
    const run = pool.run(busyJob('aborted.svg'), controller.signal);
    const settled = run.then(
      () => 'resolved',
      (err: Error) => err,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(pool.running).toBe(1);
    const abortedAt = performance.now();
    controller.abort();
    const outcome = await settled;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('AbortError');
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(pool.running).toBe(0);
    expect((await readdir(dir)).filter((f) => f.startsWith('aborted.svg'))).toEqual([]);
    // The pool carries on with a fresh worker.
    await expect(pool.run(badgeJob('after-abort.svg'))).resolves.toEqual({});
  });

  it('abort of a queued job removes it before it starts', async () => {
    const pool = makePool(1);
    const first = new AbortController();
    const second = new AbortController();
    const running = pool.run(busyJob('first.svg'), first.signal).catch((err: Error) => err);
    const queued = pool.run(badgeJob('second.svg'), second.signal).catch((err: Error) => err);
    expect(pool.pending).toBe(1);
    second.abort();
    expect(((await queued) as Error).name).toBe('AbortError');
    expect(pool.pending).toBe(0);
    first.abort();
    expect(((await running) as Error).name).toBe('AbortError');
    expect((await readdir(dir)).filter((f) => f.startsWith('second.svg'))).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const pool = makePool(1);
    await expect(pool.run(badgeJob('never.svg'), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(pool.running).toBe(0);
  });

  it("passes an engine's error on with its message, and keeps working", async () => {
    const pool = makePool(1);
    const fbx = join(dir, 'model.fbx');
    await writeFile(fbx, Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(64)]));
    await expect(pool.run({ engine: 'simplify', inputPath: fbx, outputPath: join(dir, 'model.glb'), params: {} })).rejects.toThrow(FBX_MESSAGE);
    await expect(pool.run(badgeJob('after-error.svg'))).resolves.toBeDefined();
    expect((await readdir(dir)).filter((f) => f.startsWith('model.glb'))).toEqual([]);
  });

  it('says across the worker boundary when the engine knows the file is damaged, and only then', async () => {
    const pool = makePool(1);
    const obj = join(dir, 'bad.obj');
    await writeFile(obj, 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n');
    const damaged = pool.run({ engine: 'simplify', inputPath: obj, outputPath: join(dir, 'bad.glb'), params: {} });
    await expect(damaged).rejects.toMatchObject({ name: 'ObjError', failureKind: 'broken-file' });
    const notPng = join(dir, 'not-a.png');
    await writeFile(notPng, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]));
    const undecodable = pool.run({ engine: 'vectorise', inputPath: notPng, outputPath: join(dir, 'not-a.svg'), params: {} });
    await expect(undecodable).rejects.toMatchObject({ name: 'TraceError', failureKind: 'broken-file' });
    // An FBX is not damaged, it needs the cloud: no kind, so its words come from its message.
    const fbx = join(dir, 'kindless.fbx');
    await writeFile(fbx, Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(64)]));
    const refused = await pool.run({ engine: 'simplify', inputPath: fbx, outputPath: join(dir, 'kindless.glb'), params: {} }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: FBX_MESSAGE });
    expect((refused as { failureKind?: unknown }).failureKind).toBeUndefined();
  });

  it('an image VTracer cannot trace fails with the clear message, and the pool goes on', async () => {
    const pool = makePool(1);
    const clear = join(dir, 'clear.png');
    await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(clear);
    await expect(pool.run({ engine: 'vectorise', inputPath: clear, outputPath: join(dir, 'clear.svg'), params: {} })).rejects.toThrow(
      'Nothing to trace: every pixel of this image is transparent.',
    );
    await expect(pool.run(badgeJob('after-clear.svg'))).resolves.toBeDefined();
    expect((await readdir(dir)).filter((f) => f.startsWith('clear.svg'))).toEqual([]);
  });

  it('runs one conversion per core at most, whatever size it is given', async () => {
    const pool = makePool(64);
    const jobs = Array.from({ length: availableParallelism() + 2 }, (_, i) => pool.run(badgeJob(`core${i}.svg`)));
    expect(pool.running).toBe(availableParallelism());
    expect(pool.pending).toBe(2);
    await Promise.all(jobs);
  });

  it('replaces a worker whose engine grew its memory on a large image, and keeps one that did not', async () => {
    const pool = makePool(1);
    await pool.run(badgeJob('small.svg'));
    expect(pool.idleWorkers).toBe(1);
    const large = join(dir, 'large.png');
    await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="2800" height="2800"><rect width="2800" height="2800" fill="#f4efe6"/><circle cx="1400" cy="1400" r="900" fill="#29335c"/></svg>')).png().toFile(large);
    await pool.run({ engine: 'vectorise', inputPath: large, outputPath: join(dir, 'large.svg'), params: { presetName: 'custom' } });
    // Retired, not kept idle with hundreds of MiB of WebAssembly memory.
    expect(pool.idleWorkers).toBe(0);
    await expect(pool.run(badgeJob('after-large.svg'))).resolves.toBeDefined();
    expect(pool.idleWorkers).toBe(1);
  });

  it('close() rejects queued jobs and refuses new ones', async () => {
    const pool = makePool(1);
    const running = pool.run(busyJob('closing.svg')).catch((err: Error) => err);
    const queued = pool.run(badgeJob('closing2.svg')).catch((err: Error) => err);
    await pool.close();
    expect(((await running) as Error).name).toBe('AbortError');
    expect(((await queued) as Error).name).toBe('AbortError');
    await expect(pool.run(badgeJob('closed.svg'))).rejects.toThrow(/closed/);
  });

  it('works the same under `node bin/run-ts.js`, and idle workers let the process exit', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kiln-pool-cli-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/run-ts.js', 'test/local/pool-cli.ts', out], { cwd: ROOT, timeout: 30_000 });
      const result = JSON.parse(stdout) as { svg: object; glb: { faces: number } };
      expect(result.glb.faces).toBeLessThanOrEqual(500);
      expect(parseSvg(await readFile(join(out, 'badge.svg'), 'utf8')).paths.length).toBeGreaterThan(0);
      expect(countFaces(await new NodeIO().read(join(out, 'knot.glb')))).toBe(result.glb.faces);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
