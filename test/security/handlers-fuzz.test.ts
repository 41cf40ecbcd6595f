import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, type CallInput, type CallName } from '../../src/shared/contract';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { startApp } from '../support/web-app';

/*
 * Property-based tests generated from the contract: every call's input schema decides what is
 * malformed, and every malformed input must be refused by KilnService.handle with `invalid-input`
 * before any handler runs, leaving the store, the queues and the settings exactly as they were.
 */

const NAMES = Object.keys(calls) as CallName[];
const RUNS = 40;

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;
let queueId: string;
let itemId: string;

/** A valid input for each call (ids of real things where a call needs them); used as a base to break. */
let samples: { [N in CallName]?: CallInput<N> };

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 200 });
  dir = await tempDir('kiln-fuzz-');
  app = await startApp(server, join(dir.path, 'state'));
  const created = await app.service.handle('queues.create', {
    name: 'Fuzz', modelKey: 'vtracer', params: {}, outputDir: join(dir.path, 'out'), nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
  });
  if (!created.ok) throw new Error(created.error.message);
  queueId = (created.value as { id: string }).id;
  await app.service.handle('queues.pause', { queueId });
  await writeFile(join(dir.path, 'art.png'), await flatImage('png'));
  const added = await app.service.handle('items.addPaths', { queueId, paths: [join(dir.path, 'art.png')] });
  if (!added.ok) throw new Error(added.error.message);
  itemId = (added.value as { added: Array<{ id: string }> }).added[0]?.id ?? '';
  samples = {
    'host.info': {},
    'models.list': {},
    'queues.list': {},
    'queues.create': { name: 'Q', modelKey: 'vtracer', params: {}, outputDir: '/tmp/kiln-fuzz-never', nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud' },
    'queues.update': { id: queueId, patch: { name: 'Renamed' } },
    'queues.remove': { id: queueId },
    'queues.stats': {},
    'queues.pause': { queueId },
    'queues.resume': { queueId },
    'queues.cancelAll': { queueId },
    'queues.retryFailed': { queueId },
    'queues.clearDone': { queueId },
    'items.list': { queueId },
    'items.latest': { queueId, kinds: ['png'] },
    'items.addPaths': { queueId, paths: [join(dir.path, 'art.png')] },
    'items.reorder': { id: itemId, beforeId: null },
    'items.cancel': { ids: [itemId] },
    'items.retry': { ids: [itemId] },
    'items.remove': { ids: [itemId] },
    'items.reveal': { id: itemId },
    'items.open': { id: itemId },
    'watch.problems': {},
    'watch.dismiss': { queueId },
    'network.checkNow': {},
    'settings.get': {},
    'settings.update': { concurrency: 3 },
    'credentials.set': { apiKey: 'k', apiSecret: 's' },
    'credentials.clear': {},
    'credentials.test': {},
    'dialog.chooseFolder': { title: 'Pick' },
  };
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await dir?.remove();
});

/** Everything a call could change, as plain data. */
async function snapshot(): Promise<unknown> {
  const get = async (name: CallName, input: unknown) => {
    const r = await app.service.handle(name, input);
    return r.ok ? r.value : r.error;
  };
  return {
    counts: app.service.store.counts(),
    items: app.service.store.list().map((i) => ({ ...i })),
    queues: await get('queues.list', {}),
    settings: await get('settings.get', {}),
    info: await get('host.info', {}),
    prototype: Object.getOwnPropertyNames(Object.prototype).sort(),
  };
}

function isInvalid(name: CallName, input: unknown): boolean {
  return !calls[name].input.safeParse(input ?? {}).success;
}

/** JSON.parse makes `__proto__` an own key, as it arrives from a WebSocket or IPC message. */
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
function withOwnKey(base: object, key: string, value: unknown): unknown {
  const text = JSON.stringify(base);
  const extra = `${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`;
  return JSON.parse(text === '{}' ? `{${extra}}` : `${text.slice(0, -1)},${extra}}`);
}

/** Malformed inputs for one call, built from its valid sample and from nothing at all. */
function malformed(name: CallName): fc.Arbitrary<unknown> {
  const sample = (samples[name] ?? {}) as Record<string, unknown>;
  const keys = Object.keys(sample);
  const json = fc.jsonValue();
  const variants: Array<fc.Arbitrary<unknown>> = [
    // Anything at all: numbers, strings, arrays, objects of any shape.
    fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
    // An unknown extra key, or a prototype-polluting one.
    fc.tuple(fc.constantFrom(...POLLUTING_KEYS, 'extra', 'isAdmin'), json).map(([k, v]) => withOwnKey(sample, k, v)),
    fc.tuple(fc.constantFrom(...POLLUTING_KEYS), json).map(([k, v]) => withOwnKey({}, k, { polluted: true, v })),
    // A huge string where any string goes.
    fc.tuple(fc.integer({ min: 5_000, max: 200_000 }), fc.constantFrom(...(keys.length ? keys : ['x']))).map(([n, k]) => ({ ...sample, [k]: 'A'.repeat(n) })),
  ];
  if (keys.length) {
    // A field missing, or of the wrong type.
    variants.push(fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(sample).filter(([key]) => key !== k))));
    variants.push(fc.tuple(fc.constantFrom(...keys), fc.anything()).map(([k, v]) => ({ ...sample, [k]: v })));
    variants.push(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(null, 42, true, [], {}, '', -1, Infinity, '../../etc/passwd')).map(([k, v]) => ({ ...sample, [k]: v })));
  }
  return fc.oneof(...variants).filter((input) => isInvalid(name, input));
}

describe('every call of the contract refuses malformed input (property-based, from the schemas)', () => {
  it('has a valid sample of every call in the contract to break (a new call needs one here)', () => {
    for (const name of NAMES) expect(calls[name].input.safeParse(samples[name] ?? {}).success, `no valid sample for ${name} in this file`).toBe(true);
  });

  it.each(NAMES)('%s: malformed input → invalid-input, and nothing changes', async (name) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(malformed(name), async (input) => {
        const result = await app.service.handle(name, input);
        expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: RUNS, seed: 0x6b696c6e },
    );
  });

  it('an unknown call name is refused as invalid-input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }).filter((s) => !Object.hasOwn(calls, s)), async (name) => {
        expect(await app.service.handle(name, {})).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('well-formed calls about things that do not exist', () => {
  const unknownId = fc.string({ minLength: 1, maxLength: 128 }).filter((s) => s !== queueId && s !== itemId);
  const byQueue: CallName[] = ['queues.pause', 'queues.resume', 'queues.cancelAll', 'queues.retryFailed', 'queues.clearDone', 'watch.dismiss'];
  const byIds: CallName[] = ['items.cancel', 'items.retry', 'items.remove'];

  it.each([...byQueue, ...byIds, 'queues.update', 'queues.remove', 'items.reveal', 'items.open', 'items.addPaths', 'items.reorder'] as CallName[])(
    '%s with an unknown id → not-found, and nothing changes',
    async (name) => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(unknownId, async (id) => {
          const input =
            byQueue.includes(name) ? { queueId: id }
            : byIds.includes(name) ? { ids: [id] }
            : name === 'queues.update' ? { id, patch: { name: 'x' } }
            : name === 'items.addPaths' ? { queueId: id, paths: [join(dir.path, 'art.png')] }
            : name === 'items.reorder' ? { id, beforeId: null }
            : { id };
          const result = await app.service.handle(name, input);
          expect(result).toMatchObject({ ok: false, error: { code: 'not-found' } });
          expect(await snapshot()).toEqual(before);
        }),
        { numRuns: 25, seed: 11 },
      );
    },
  );
});
