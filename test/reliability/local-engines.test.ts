import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { QueueStore } from '../../src/main/engine/queue/store';
import { fakeScenarioForFile, withBatch } from '../support/batch';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

const fake = fakeScenarioForFile({ jobDurationMs: 300 });

describe('converting on this machine', () => {
  it('with --engine local, makes SVG and low-poly GLB results without calling Scenario, and records the engine', async () => {
    const server = fake();
    const dir = await tempDir('kiln-local-');
    try {
      server.resetCounts();
      await writeFile(join(dir.path, 'art.png'), await flatImage('png', 80, 60));
      const state = join(dir.path, 'state');
      const common = ['--api-url', server.url, '--state', state, '--json', '--engine', 'local'];
      const svg = await runCli(['convert', join(dir.path, 'art.png'), '--model', 'vtracer', '--out', join(dir.path, 'svg'), ...common]);
      expect(svg.code).toBe(0);
      expect(svg.lines[0]).toMatchObject({ status: 'done', jobId: null, outputs: [join(dir.path, 'svg', 'art.svg')] });
      // VTracer's own output: an XML declaration and its generator comment, then the svg element.
      expect(await readFile(join(dir.path, 'svg', 'art.svg'), 'utf8')).toMatch(/^<\?xml[^>]*>\s*<!-- Generator: visioncortex VTracer[^>]*-->\s*<svg[\s>]/);

      const glb = await runCli(['convert', 'samples/models/torus-knot.glb', '--model', 'tripo-retopology', '--param', 'faceLimit=600', '--out', join(dir.path, 'glb'), ...common]);
      expect(glb.code).toBe(0);
      const doc = await new NodeIO().read(join(dir.path, 'glb', 'torus-knot.glb'));
      const faces = doc.getRoot().listMeshes().flatMap((m) => m.listPrimitives()).reduce((n, p) => n + (p.getIndices()?.getCount() ?? 0) / 3, 0);
      expect(faces).toBeLessThanOrEqual(600);
      expect(faces).toBeGreaterThan(300);

      expect(Object.values(server.counts).reduce((a, b) => a + b, 0)).toBe(0);
      const store = QueueStore.open(state);
      expect(store.list().map((i) => i.engine)).toEqual(['local', 'local']);
      store.close();
    } finally {
      await dir.remove();
    }
  });

  it('with --engine cloud-then-local, converts here when Scenario cannot be reached', async () => {
    const batch = { prefix: 'kiln-fallback-', names: ['p0.png', 'p1.png', 'p2.png'], bytes: (i: number) => flatImage('png', 40 + i, 40) };
    await withBatch(batch, async ({ out, state, convertArgs }) => {
      // Nothing listens on port 9 here: Scenario cannot be reached.
      const result = await runCli(convertArgs({ url: 'http://127.0.0.1:9/v1' }, '--engine', 'cloud-then-local'));
      expect(result.lines.map((l) => l['status'])).toEqual(['done', 'done', 'done']);
      expect(result.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(['p0.svg', 'p1.svg', 'p2.svg']);
      const store = QueueStore.open(state);
      expect(store.list().every((i) => i.engine === 'local')).toBe(true);
      store.close();
    });
  });

  it('fails an FBX given to the local engine, saying only the cloud model reads FBX', async () => {
    const dir = await tempDir('kiln-fbx-');
    try {
      await writeFile(join(dir.path, 'm.fbx'), Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(64)]));
      const result = await runCli(['convert', join(dir.path, 'm.fbx'), '--model', 'tripo-retopology', '--engine', 'local', '--out', join(dir.path, 'o'), '--state', join(dir.path, 's'), '--json']);
      expect(result.code).toBe(1);
      expect(result.lines[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('FBX needs the cloud model') });
    } finally {
      await dir.remove();
    }
  });
});
