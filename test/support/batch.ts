/**
 * The harness the reliability tests (test/reliability/*) share: one fake Scenario per test file,
 * and per test a temporary folder holding a batch of input files and the `kiln convert` arguments
 * that send them through that fake. Each test keeps only what it is about: the faults, the kills,
 * and its assertions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from '../fake-scenario/index';
import { tempDir } from './files';

/**
 * Starts a fake Scenario before the file's tests and closes it after them. Returns a getter, since
 * the server exists only once beforeAll has run (call it inside a test or hook).
 */
export function fakeScenarioForFile(options: FakeScenarioOptions): () => FakeScenario {
  let server: FakeScenario | undefined;
  beforeAll(async () => {
    server = await startFakeScenario(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the fake Scenario starts in beforeAll: read it inside a test');
    return server;
  };
}

export interface BatchSpec {
  /** Prefix of the temporary folder's name (kiln-crash-…), so a leftover says which test made it. */
  prefix: string;
  /** The input files' names, in order. */
  names: readonly string[];
  /** The bytes of the i-th input; make each different, so no two items share content (and dedupe). */
  bytes(index: number): Buffer | Promise<Buffer>;
  /** Where the results go, relative to the temporary folder (default `out`); not created here. */
  out?: string;
}

export interface Batch {
  /** The temporary folder; removed when the test's body ends, passed or not. */
  root: string;
  /** The folder holding the inputs. */
  src: string;
  out: string;
  /** Kiln's state folder (--state) for this batch. */
  state: string;
  names: string[];
  /** `kiln convert` of the inputs into `out` with VTracer through `api` (the fake, or an address that never answers), JSON lines, and `extra` flags. */
  convertArgs(api: { url: string }, ...extra: string[]): string[];
}

/** Runs `body` with a fresh batch of inputs on disk, and removes the whole folder afterwards. */
export async function withBatch<T>(spec: BatchSpec, body: (batch: Batch) => Promise<T>): Promise<T> {
  const dir = await tempDir(spec.prefix);
  try {
    const src = join(dir.path, 'in');
    await mkdir(src);
    for (const [i, name] of spec.names.entries()) await writeFile(join(src, name), await spec.bytes(i));
    const out = join(dir.path, spec.out ?? 'out');
    const state = join(dir.path, 'state');
    return await body({
      root: dir.path,
      src,
      out,
      state,
      names: [...spec.names],
      convertArgs: (api, ...extra) => ['convert', src, '--model', 'vtracer', '--out', out, '--api-url', api.url, '--state', state, '--json', ...extra],
    });
  } finally {
    await dir.remove();
  }
}

/** `count` PNG names `label-00.png`, `label-01.png`, … (numbers padded to `digits`, none when 0). */
export function pngNames(label: string, count: number, digits = 2): string[] {
  return Array.from({ length: count }, (_, i) => `${label}-${String(i).padStart(digits, '0')}.png`);
}
