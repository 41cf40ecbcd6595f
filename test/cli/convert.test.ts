import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeIO } from '@gltf-transform/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, gridGlb, tempDir } from '../support/files';

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 300 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await tempDir('kiln-cli-');
  server.resetCounts();
  server.setFaults(DEFAULT_FAULTS);
});
afterEach(async () => {
  await dir.remove();
});

function common(out: string): string[] {
  return ['--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json'];
}

describe('kiln convert with VTracer', () => {
  it('converts a folder of images to SVG files, one JSON line per item, exit 0', async () => {
    const src = join(dir.path, 'art');
    await mkdir(join(src, 'nested'), { recursive: true });
    await writeFile(join(src, 'logo.png'), await flatImage('png'));
    await writeFile(join(src, 'nested', 'photo.jpg'), await flatImage('jpeg'));
    await writeFile(join(src, 'notes.txt'), 'not for vtracer');
    const out = join(dir.path, 'svg');

    const result = await runCli(['convert', src, '--model', 'vtracer', ...common(out)]);

    expect(result.code).toBe(0);
    const byInput = Object.fromEntries(result.lines.map((l) => [String(l['input']).slice(src.length + 1), l]));
    expect(byInput['logo.png']).toMatchObject({ status: 'done', outputs: [join(out, 'logo.svg')], error: null });
    expect(byInput['logo.png']?.['jobId']).toMatch(/^job_/);
    expect(byInput['nested/photo.jpg']).toMatchObject({ status: 'done', outputs: [join(out, 'photo.svg')] });
    expect(byInput['notes.txt']).toMatchObject({ status: 'skipped', outputs: [], jobId: null });
    const svg = await readFile(join(out, 'logo.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect((await readdir(out)).sort()).toEqual(['logo.svg', 'photo.svg']);
    expect(server.generates.map((g) => g.body)).toEqual(
      expect.arrayContaining([expect.objectContaining({ presetName: 'poster', image: expect.stringMatching(/^asset_/) })]),
    );
  });

  it('sends custom parameters only with the custom preset', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const out = join(dir.path, 'svg');
    const result = await runCli([
      'convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--preset', 'custom',
      '--param', 'colorPrecision=4', '--param', 'mode=polygon', ...common(out),
    ]);
    expect(result.code).toBe(0);
    expect(server.generates.at(-1)?.body).toMatchObject({ presetName: 'custom', colorPrecision: 4, mode: 'polygon' });
  });

  it('fails bad items with a specific error while the rest of the batch completes (exit 1)', async () => {
    await writeFile(join(dir.path, 'good.png'), await flatImage('png'));
    await writeFile(join(dir.path, 'fake.png'), 'this is text');
    await writeFile(join(dir.path, 'empty.png'), '');
    const out = join(dir.path, 'svg');
    const result = await runCli(['convert', dir.path, '--model', 'vtracer', ...common(out)]);
    expect(result.code).toBe(1);
    const status = Object.fromEntries(result.lines.map((l) => [String(l['input']).split('/').pop(), l]));
    expect(status['good.png']).toMatchObject({ status: 'done' });
    // The engine's words in "error", the app's plain words in "message" (src/shared/failure-text.ts).
    expect(status['fake.png']).toMatchObject({ status: 'failed', error: expect.stringContaining('not a format Kiln recognises'), message: expect.stringContaining('cannot be converted') });
    expect(status['empty.png']).toMatchObject({ status: 'failed', error: expect.stringContaining('empty'), message: expect.stringContaining('This file is empty') });
  });

  it('reports a job that fails on Scenario with the job reason', async () => {
    server.setFaults({ failJobRate: 1 });
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(join(dir.path, 'svg'))]);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/Scenario job job_\S+ failed: .+/) });
  });

  it('rejects bad parameters before any network call (exit 2)', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--preset', 'custom', '--param', 'colorPrecision=12', ...common(join(dir.path, 'svg'))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('colorPrecision must be a whole number from 1 to 8 (got 12)');
    expect(server.counts['asset-create']).toBe(0);
  });

  it('refuses to run without credentials (exit 2)', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(join(dir.path, 'svg'))], {
      SCENARIO_SDK_API_KEY: '',
      SCENARIO_SDK_API_SECRET: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET are not set');
  });

  it('says, when no key pair is set and no keychain answers, what to do — with the keychain error under Details (exit 2)', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(join(dir.path, 'svg'))], {
      SCENARIO_SDK_API_KEY: '',
      SCENARIO_SDK_API_SECRET: '',
      // No session bus: keytar cannot reach any Secret Service, as on a bare Linux workstation.
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/kiln-test-bus',
      DISPLAY: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no keychain answered on this computer');
    expect(result.stderr).toMatch(/Details: .+/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(server.counts['asset-create']).toBe(0);
  });

  it('converts with --engine local with no credentials at all and no request to Scenario', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    await writeFile(join(dir.path, 'mesh.glb'), await gridGlb(12));
    const env = { SCENARIO_SDK_API_KEY: '', SCENARIO_SDK_API_SECRET: '', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/kiln-test-bus' };
    const svg = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--engine', 'local', ...common(join(dir.path, 'svg'))], env);
    expect(svg.code).toBe(0);
    expect(svg.lines[0]).toMatchObject({ status: 'done', outputs: [join(dir.path, 'svg', 'a.svg')] });
    expect(await readFile(join(dir.path, 'svg', 'a.svg'), 'utf8')).toContain('<svg');
    const glb = await runCli(['convert', join(dir.path, 'mesh.glb'), '--model', 'tripo-retopology', '--engine', 'local', '--param', 'faceLimit=100', ...common(join(dir.path, 'low'))], env);
    expect(glb.code).toBe(0);
    expect(glb.lines[0]).toMatchObject({ status: 'done', outputs: [join(dir.path, 'low', 'mesh.glb')] });
    expect(Object.values(server.counts).every((n) => n === 0)).toBe(true);
  });

  it('says the key is wrong when Scenario refuses it, and exits 1', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(join(dir.path, 'svg'))], {
      SCENARIO_SDK_API_SECRET: 'wrong',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rejected the API key and secret/);
    expect(result.stderr).not.toContain('wrong');
  });

  it('does not redo finished items when the same command runs again', async () => {
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const args = ['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(join(dir.path, 'svg'))];
    expect((await runCli(args)).code).toBe(0);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.lines[0]).toMatchObject({ status: 'done', outputs: [join(dir.path, 'svg', 'a.svg')] });
    expect(server.counts.generate).toBe(1);
    expect(await readdir(join(dir.path, 'svg'))).toEqual(['a.svg']);
  });
});

describe('kiln convert with Tripo Retopology', () => {
  it('converts a GLB to a low-poly GLB within the face limit', async () => {
    await writeFile(join(dir.path, 'mesh.glb'), await gridGlb(40));
    const out = join(dir.path, 'lowpoly');
    const result = await runCli(['convert', join(dir.path, 'mesh.glb'), '--model', 'tripo-retopology', '--param', 'faceLimit=500', ...common(out)]);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatchObject({ status: 'done', outputs: [join(out, 'mesh.glb')] });
    const doc = await new NodeIO().read(join(out, 'mesh.glb'));
    const triangles = doc
      .getRoot()
      .listMeshes()
      .flatMap((m) => m.listPrimitives())
      .reduce((sum, p) => sum + (p.getIndices()?.getCount() ?? 0) / 3, 0);
    expect(triangles).toBeGreaterThan(0);
    expect(triangles).toBeLessThanOrEqual(500);
    expect(server.generates.at(-1)?.body).toMatchObject({ faceLimit: 500, model: expect.stringMatching(/^asset_/) });
    expect(server.counts['upload-create']).toBe(1);
  });

  it('packs a .gltf with an external buffer into a GLB before uploading', async () => {
    const io = new NodeIO();
    const doc = await io.readBinary(new Uint8Array(await gridGlb(4)));
    doc.getRoot().listBuffers()[0]?.setURI('mesh.bin');
    await io.write(join(dir.path, 'mesh.gltf'), doc);
    const result = await runCli(['convert', join(dir.path, 'mesh.gltf'), '--model', 'tripo-retopology', ...common(join(dir.path, 'out'))]);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatchObject({ status: 'done' });
  });
});
