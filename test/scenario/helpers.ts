import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from '../fake-scenario/index';
import { ScenarioClient } from '../../src/main/engine/scenario/index';
import type { ScenarioClientOptions } from '../../src/main/engine/scenario/types';

/** Small timings so retries and polls finish in milliseconds. */
export const FAST: Omit<ScenarioClientOptions, 'baseUrl' | 'apiKey' | 'apiSecret'> = {
  requestTimeoutMs: 5_000,
  retries: 4,
  retryBaseMs: 5,
  retryMaxMs: 40,
  pollInitialMs: 20,
  pollMaxMs: 100,
  pollFactor: 2,
};

export function clientFor(fake: FakeScenario, overrides: Partial<ScenarioClientOptions> = {}): ScenarioClient {
  return new ScenarioClient({ baseUrl: fake.url, apiKey: 'test-key', apiSecret: 'test-secret', ...FAST, ...overrides });
}

export interface Harness {
  fake: FakeScenario;
  dir: string;
  close(): Promise<void>;
}

export async function harness(options: FakeScenarioOptions = {}): Promise<Harness> {
  const fake = await startFakeScenario({ jobDurationMs: 300, seed: 7, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'kiln-scenario-'));
  return {
    fake,
    dir,
    async close() {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function writePng(dir: string, name = 'art.png'): Promise<string> {
  const bytes = await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 210, g: 60, b: 30 } } })
    .composite([{ input: Buffer.from('<svg width="48" height="48"><circle cx="24" cy="24" r="14" fill="#114488"/></svg>') }])
    .png()
    .toBuffer();
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A real GLB: one mesh with `vertices` positions (12 bytes each), so its size is easy to steer. */
export async function writeGlb(dir: string, vertices: number, name = 'mesh.glb'): Promise<string> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const positions = new Float32Array(vertices * 3);
  for (let i = 0; i < positions.length; i++) positions[i] = Math.sin(i * 12.9898) * 10;
  const accessor = doc.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer);
  const mesh = doc.createMesh().addPrimitive(doc.createPrimitive().setAttribute('POSITION', accessor));
  doc.createScene().addChild(doc.createNode().setMesh(mesh));
  const bytes = await new NodeIO().writeBinary(doc);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Milliseconds since `start`, for timing assertions. */
export function since(start: number): number {
  return Date.now() - start;
}
