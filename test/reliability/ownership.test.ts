import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli, startCli } from '../support/cli';
import { listFiles } from '../support/crash';
import { flatImage, tempDir } from '../support/files';
import { joinState, startApp, waitFor } from '../support/web-app';

/** README "Who owns an item"; src/main/engine/queue/lease.ts. */
let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 500 });
});
afterAll(async () => {
  await server.close();
});

async function images(dir: string, prefix: string, n: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${String(i).padStart(2, '0')}.png`;
    names.push(name);
    await writeFile(join(dir, name), await flatImage('png', 20 + i, 16 + (i % 7)));
  }
  return names;
}

function generatesPerInput(from: number): Record<string, number> {
  const per = new Map<string, number>();
  for (const g of server.generates.slice(from)) per.set(g.inputName ?? '?', (per.get(g.inputName ?? '?') ?? 0) + 1);
  return Object.fromEntries(per);
}

describe('one owner per item (issue 13.7)', () => {
  it('the same kiln convert started twice on one state folder: no failures, no error exits, each image generated once', async () => {
    const dir = await tempDir('kiln-owner-twice-');
    try {
      const src = join(dir.path, 'in');
      const names = await images(src, 'art', 30);
      const out = join(dir.path, 'out');
      const args = ['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json', '--concurrency', '4'];
      const from = server.generates.length;

      const first = startCli(args);
      // The second starts once the first is under way, so there is work in flight to stay away from.
      await waitFor(() => server.generates.length > from, 30_000, 'the first run to generate');
      const second = startCli(args);
      const [a, b] = await Promise.all([first.result, second.result]);

      expect([a.code, b.code]).toEqual([0, 0]);
      for (const run of [a, b]) {
        expect(run.lines.filter((l) => l['status'] !== 'done')).toEqual([]);
        expect(run.lines).toHaveLength(30);
      }
      expect(b.stderr).toMatch(/being converted by another Kiln process \(pid \d+\); leaving them to it/);
      expect(generatesPerInput(from)).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
      expect(await listFiles(out)).toEqual(names.map((n) => n.replace('.png', '.svg')));
    } finally {
      await dir.remove();
    }
  });

  it('the app and a kiln convert batch on one state folder each convert only their own items', async () => {
    const dir = await tempDir('kiln-owner-app-cli-');
    const app = await startApp(server, joinState(dir.path));
    try {
      const touchedByApp = new Set<string>();
      app.service.on('event', (name, payload) => {
        if (name === 'item') touchedByApp.add((payload as { queueId: string }).queueId);
      });
      const created = await app.service.handle('queues.create', {
        name: 'Logos', modelKey: 'vtracer', preset: 'poster', params: {}, outputDir: join(dir.path, 'app-out'),
        nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
      });
      if (!created.ok) throw new Error(created.error.message);
      const queueId = (created.value as { id: string }).id;
      const appNames = await images(join(dir.path, 'app-in'), 'app', 8);
      const cliNames = await images(join(dir.path, 'cli-in'), 'cli', 8);
      const from = server.generates.length;

      const cli = runCli(['convert', join(dir.path, 'cli-in'), '--model', 'vtracer', '--out', join(dir.path, 'cli-out'), '--api-url', server.url, '--state', joinState(dir.path), '--json', '--concurrency', '3']);
      const added = await app.service.handle('items.addPaths', { queueId, paths: [join(dir.path, 'app-in')] });
      expect(added.ok).toBe(true);
      const result = await cli;
      await waitFor(() => app.service.store.counts(queueId).byState.done === 8, 60_000, 'the app queue done');

      expect(result.code).toBe(0);
      expect(result.lines.map((l) => l['status'])).toEqual(cliNames.map(() => 'done'));
      expect([...touchedByApp]).toEqual([queueId]);
      expect(app.service.store.counts(queueId).byState.failed).toBe(0);
      expect(generatesPerInput(from)).toEqual(Object.fromEntries([...appNames, ...cliNames].map((n) => [n, 1])));
      expect(await listFiles(join(dir.path, 'cli-out'))).toEqual(cliNames.map((n) => n.replace('.png', '.svg')));
      expect(await listFiles(join(dir.path, 'app-out'))).toEqual(appNames.map((n) => n.replace('.png', '.svg')));
    } finally {
      await app.close();
      await dir.remove();
    }
  });
});
