import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario, type RouteName } from '../fake-scenario/index';
import { glbFromJson, gltfWithExternalBuffer, plainPng, pngClaiming, withBadIdatCrc } from '../support/bad-files';
import { runCli, type CliResult } from '../support/cli';
import { flatImage, gridGlb, tempDir } from '../support/files';
import { tally } from '../support/kill-schedule';
import { runCliUnprivileged } from '../support/run-as';
import { startRewritingProxy, type RewritingProxy } from '../support/rewriting-proxy';

/**
 * Bad inputs, each in a batch with good files: every bad one gets its own clear, specific error
 * (or is listed as skipped, for things found in a folder that are not meant for the model) and the
 * good ones are converted. The batches run at once in beforeAll; each `it` reads one kind's line.
 */

const VTRACER_ACCEPTS = 'VTracer accepts PNG image, JPEG image, WebP image';
const TRIPO_ACCEPTS = 'Tripo Retopology accepts GLB model, glTF model, OBJ model, FBX model';
const LONG_STEM = 'ß'.repeat(115); // 230 bytes of UTF-8
const FBX_BYTES = Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(64)]);

let root: { path: string; remove: () => Promise<void> };
const servers: FakeScenario[] = [];
let proxy: RewritingProxy;
const proxies: RewritingProxy[] = [];

async function server(options: Parameters<typeof startFakeScenario>[0] = {}): Promise<FakeScenario> {
  const s = await startFakeScenario({ jobDurationMs: 150, ...options });
  servers.push(s);
  return s;
}

function countAll(s: FakeScenario): number {
  return Object.values(s.counts).reduce((a, b) => a + b, 0);
}

/** Calls `action` once, at the n-th request of `route` (before the server answers it). */
function atRequest(s: FakeScenario, route: RouteName, n: number, action: () => void): void {
  let seen = 0;
  s.on('request', (r) => {
    if (r === route && ++seen === n) action();
  });
}

// Batch A: images through VTracer, via a proxy that makes Scenario name every output "../../…".
let images: { src: string; explicit: string; out: string; result: CliResult; fake: FakeScenario };
// Batch B: models through Tripo Retopology.
let models: { src: string; out: string; result: CliResult; fake: FakeScenario };
// Batch C: Scenario misbehaving for three items of a batch (each in its own way), not the others.
let misbehaving: { dir: string; result: CliResult; fake: FakeScenario };
// Batch D: a file this user may not read (run unprivileged).
let unreadable: { dir: string; result: CliResult };
// Batch F: a naming template that tries to climb out of the output folder.
let climbing: { dir: string; out: string; result: CliResult };
// Usage errors: refused before any request.
let usage: { fake: FakeScenario; outFileFake: FakeScenario; results: Record<string, CliResult>; outFile: string };

const line = (result: CliResult, input: string): Record<string, unknown> | undefined => result.lines.find((l) => l['input'] === input);

async function imageBatch(): Promise<typeof images> {
  const fake = await server();
  const src = join(root.path, 'images');
  const explicit = join(root.path, 'explicit');
  const out = join(root.path, 'images-out');
  await mkdir(src);
  await mkdir(explicit);
  const png = await flatImage('png', 64, 48);
  const jpeg = await flatImage('jpeg', 64, 48);
  const webp = await flatImage('webp', 64, 48);
  const files: Record<string, Buffer | string> = {
    'good-1.png': png,
    'good-2.jpg': jpeg,
    'good-3.webp': webp,
    'empty.png': '',
    'truncated.png': png.subarray(0, Math.floor(png.length / 2)),
    'text.png': 'these are not the pixels you are looking for\n',
    'jpeg-inside.png': jpeg,
    'page.jpg': '<!DOCTYPE html><html><body>Sign in to the network</body></html>',
    'huge.png': pngClaiming(100_000, 100_000),
    'over-limit.png': png,
    'bad-crc.png': withBadIdatCrc(plainPng(40, 30)),
    'truncated.webp': webp.subarray(0, Math.floor(webp.length * 0.6)),
    'zero-width.png': pngClaiming(0, 10),
    'signature-only.png': png.subarray(0, 8),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length * 0.5)),
    'gif-inside.png': Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(40, 1)]),
    'svg-inside.png': '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
    'noise.png': Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256)),
    'ünïcødé 画像.png': await flatImage('png', 30, 31),
    '  lots   of spaces  .png': await flatImage('png', 30, 32),
    'it\'s "quoted".png': await flatImage('png', 30, 33),
    'a%2F..%2Fb.png': await flatImage('png', 30, 34),
    'x\\..\\..\\escape.png': await flatImage('png', 30, 35),
    'new\nline.png': await flatImage('png', 30, 36),
    'evil\u202Egvs.png': await flatImage('png', 30, 37),
    'CON.png': await flatImage('png', 30, 38),
    [`${LONG_STEM}.png`]: await flatImage('png', 30, 39),
    'zz-deleted-after-queued.png': await flatImage('png', 30, 40),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(src, name), bytes);
  // 51 MB without writing 51 MB: a sparse file with a real PNG at its start.
  await truncate(join(src, 'over-limit.png'), 51 * 1024 * 1024);
  await mkdir(join(src, 'x.png'));
  await writeFile(join(src, 'x.png', 'in-a-folder-named-png.png'), await flatImage('png', 30, 41));
  await mkdir(join(src, 'a..b'));
  await writeFile(join(src, 'a..b', 'in-dotted-folder.png'), await flatImage('png', 30, 42));
  await symlink(join(src, 'nowhere.png'), join(src, 'broken.png'));
  await mkdir(join(src, 'loop'));
  await symlink('..', join(src, 'loop', 'up'));

  await writeFile(join(explicit, '..foo.png'), await flatImage('png', 30, 43));
  await writeFile(join(explicit, 'model.fbx'), FBX_BYTES);
  await symlink('self-loop.png', join(explicit, 'self-loop.png'));
  execFileSync('mkfifo', [join(explicit, 'fifo.png')]);

  // Deleted once the batch is under way: the first upload starts while it waits in the queue.
  atRequest(fake, 'asset-create', 1, () => void unlink(join(src, 'zz-deleted-after-queued.png')));
  proxy = await startRewritingProxy(fake.url, (_path, body) => {
    const asset = (body as { asset?: { name?: unknown } }).asset;
    if (asset && typeof asset === 'object') asset.name = '../../../escape/evil.svg';
    return body;
  });
  const result = await runCli([
    'convert', src, ...['..foo.png', 'model.fbx', 'missing.png', 'self-loop.png', 'fifo.png'].map((n) => join(explicit, n)),
    '--model', 'vtracer', '--out', out, '--api-url', proxy.url, '--state', join(root.path, 'state-a'), '--json', '--concurrency', '4',
  ]);
  return { src, explicit, out, result, fake };
}

async function modelBatch(): Promise<typeof models> {
  const fake = await server();
  const src = join(root.path, 'models');
  const out = join(root.path, 'models-out');
  await mkdir(src);
  const goodGlb = await gridGlb(4);
  const wrongLength = glbFromJson({ asset: { version: '2.0' }, meshes: [{ primitives: [] }] }, { declaredLength: 9999 });
  const badJson = glbFromJson({ asset: { version: '2.0' } });
  badJson.write('{{{{', 20, 'latin1');
  const files: Record<string, Buffer | string> = {
    'good.glb': goodGlb,
    'triangle.obj': 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n',
    'corrupt.glb': Buffer.concat([Buffer.from('glTF'), Buffer.from([2, 0, 0, 0]), Buffer.alloc(100, 0xab)]),
    'wrong-length.glb': wrongLength,
    'zero.glb': '',
    'no-faces.obj': 'v 0 0 0\nv 1 0 0\nv 0 1 0\n',
    'missing-bin.gltf': gltfWithExternalBuffer('missing-bin.bin'),
    'version-1.glb': glbFromJson({ asset: { version: '1.0' } }, { version: 1 }),
    'no-mesh.glb': glbFromJson({ asset: { version: '2.0' } }),
    'short.glb': Buffer.from('glTF\x02\0\0\0\x0c\0\0\0', 'latin1'),
    'bad-json.glb': badJson,
    'not-obj.obj': 'hello, I am a shopping list\n',
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(src, name), bytes);
  const picture = join(root.path, 'picture.png');
  await writeFile(picture, await flatImage('png'));
  const result = await runCli(['convert', src, picture, '--model', 'tripo-retopology', '--out', out, '--api-url', fake.url, '--state', join(root.path, 'state-b'), '--json']);
  return { src, out, result, fake };
}

const PORTAL_HTML = '<!DOCTYPE html><html><head><title>Sign in to network</title></head><body>Accept the terms</body></html>';

/**
 * Scenario (through a proxy) misbehaves for one item each: `victim-not-json.png`'s upload is
 * answered by a captive portal's HTML page, every time; `victim-never.png`'s job never finishes;
 * `victim-html.png`'s result URL serves an HTML page. The fault follows the item, not the order,
 * because the runner overlaps uploads, jobs and downloads of different items.
 */
async function misbehavingBatch(): Promise<typeof misbehaving> {
  const fake = await server();
  const dir = join(root.path, 'misbehaving');
  await mkdir(join(dir, 'in'), { recursive: true });
  const names = ['good-a.png', 'victim-not-json.png', 'victim-never.png', 'victim-html.png', 'good-b.png'];
  for (const [i, n] of names.entries()) await writeFile(join(dir, 'in', n), await flatImage('png', 40 + i, 40));
  const assetOf = new Map<string, string>(); // input name → uploaded asset id
  const neverJobs = new Set<string>();
  const htmlJobs = new Set<string>();
  const htmlAssets = new Set<string>();
  const portal = { status: 200, contentType: 'text/html; charset=utf-8', body: PORTAL_HTML };
  const misbehaviour = await startRewritingProxy(fake.url, {
    intercept(req) {
      if (req.method === 'POST' && req.path === '/v1/assets' && req.body.includes('"victim-not-json.png"')) return portal;
      if (req.path.startsWith('/portal/')) return portal;
      return undefined;
    },
    rewrite(req, body, origin) {
      const b = body as { asset?: { id?: string; name?: string; url?: string }; job?: { jobId?: string; status?: string; progress?: number; metadata?: { assetIds?: string[] } } };
      if (req.method === 'POST' && req.path === '/v1/assets' && b.asset?.id) {
        const name = /"name":"([^"]+)"/.exec(req.body.toString('utf8'))?.[1];
        if (name) assetOf.set(name, b.asset.id);
      }
      if (req.method === 'POST' && req.path.startsWith('/v1/generate/') && b.job?.jobId) {
        const body = req.body.toString('utf8');
        if (body.includes(`"${assetOf.get('victim-never.png')}"`)) neverJobs.add(b.job.jobId);
        if (body.includes(`"${assetOf.get('victim-html.png')}"`)) htmlJobs.add(b.job.jobId);
      }
      if (req.method === 'GET' && b.job?.jobId && neverJobs.has(b.job.jobId) && b.job.status !== 'canceled') {
        Object.assign(b.job, { status: 'in-progress', progress: 0.5, metadata: { ...b.job.metadata, assetIds: [] } });
      }
      if (req.method === 'GET' && b.job?.jobId && htmlJobs.has(b.job.jobId)) for (const id of b.job.metadata?.assetIds ?? []) htmlAssets.add(id);
      if (req.method === 'GET' && b.asset?.id && htmlAssets.has(b.asset.id)) b.asset.url = `${origin}/portal/${b.asset.id}`;
      return body;
    },
  });
  proxies.push(misbehaviour);
  const result = await runCli(['convert', join(dir, 'in'), '--model', 'vtracer', '--out', join(dir, 'out'), '--api-url', misbehaviour.url, '--state', join(dir, 'state'), '--json', '--job-timeout', '0.05']);
  return { dir, result, fake };
}

async function unreadableBatch(): Promise<typeof unreadable> {
  const fake = await server();
  const dir = join(root.path, 'unreadable');
  await mkdir(join(dir, 'in'), { recursive: true });
  await mkdir(join(dir, 'work'), { recursive: true });
  await writeFile(join(dir, 'in', 'locked.png'), await flatImage('png', 40, 40));
  await writeFile(join(dir, 'in', 'open.png'), await flatImage('png', 41, 41));
  await chmod(join(dir, 'in', 'locked.png'), 0o000);
  await chmod(join(dir, 'work'), 0o777);
  for (const d of [root.path, dir, join(dir, 'in')]) await chmod(d, 0o755);
  const result = await runCliUnprivileged(['convert', join(dir, 'in'), '--model', 'vtracer', '--out', join(dir, 'work', 'out'), '--api-url', fake.url, '--state', join(dir, 'work', 'state'), '--json']);
  return { dir, result };
}

async function climbingBatch(): Promise<typeof climbing> {
  const fake = await server();
  const dir = join(root.path, 'climbing');
  const out = join(dir, 'deep', 'out');
  await mkdir(join(dir, 'in'), { recursive: true });
  await writeFile(join(dir, 'in', 'art.png'), await flatImage('png', 40, 40));
  const result = await runCli(['convert', join(dir, 'in'), '--model', 'vtracer', '--name', '../../{name}.{ext}', '--out', out, '--api-url', fake.url, '--state', join(dir, 'state'), '--json']);
  return { dir, out, result };
}

const USAGE_CASES: Record<string, string[]> = {
  'out-of-range': ['--preset', 'custom', '--param', 'colorPrecision=99'],
  'unknown-param': ['--param', 'sharpness=3'],
  'custom-only-param': ['--preset', 'poster', '--param', 'colorPrecision=4'],
  'unknown-preset': ['--preset', 'neon'],
  'unknown-field': ['--name', '{title}.{ext}'],
  'unmatched-brace': ['--name', '{name.{ext}'],
  'zero-concurrency': ['--concurrency', '0'],
  'negative-timeout': ['--job-timeout=-1'],
};

async function usageBatch(): Promise<typeof usage> {
  const fake = await server();
  const dir = join(root.path, 'usage');
  await mkdir(dir);
  await writeFile(join(dir, 'art.png'), await flatImage('png'));
  await writeFile(join(dir, 'mesh.glb'), await gridGlb(2));
  const outFile = join(dir, 'not-a-folder.txt');
  await writeFile(outFile, 'I am a file');
  const common = ['--api-url', fake.url, '--state', join(dir, 'state'), '--json'];
  const runs: Array<[string, Promise<CliResult>]> = Object.entries(USAGE_CASES).map(([key, extra]) => [
    key,
    runCli(['convert', join(dir, 'art.png'), '--model', 'vtracer', '--out', join(dir, 'out'), ...common, ...extra]),
  ]);
  runs.push(['wrong-type', runCli(['convert', join(dir, 'mesh.glb'), '--model', 'tripo-retopology', '--param', 'quad=maybe', '--out', join(dir, 'out'), ...common])]);
  // Its own server, so that its requests (if any) are told apart from the other cases'.
  const outFileFake = await server();
  runs.push(['out-is-a-file', runCli(['convert', join(dir, 'art.png'), '--model', 'vtracer', '--out', outFile, '--api-url', outFileFake.url, '--state', join(dir, 'state-2'), '--json'])]);
  const results: Record<string, CliResult> = {};
  for (const [key, run] of runs) results[key] = await run;
  return { fake, outFileFake, results, outFile };
}

beforeAll(async () => {
  root = await tempDir('kiln-bad-inputs-');
  [images, models, misbehaving, unreadable, climbing, usage] = await Promise.all([
    imageBatch(),
    modelBatch(),
    misbehavingBatch(),
    unreadableBatch(),
    climbingBatch(),
    usageBatch(),
  ]);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(servers.map((s) => s.close()));
  await root?.remove();
});

describe('bad images in a VTracer batch: each fails on its own, the rest are converted', () => {
  const failed = (name: string, dir = () => images.src) => line(images.result, join(dir(), name));
  const expectFailed = (name: string, error: string | RegExp, dir?: () => string) => {
    const l = failed(name, dir);
    expect(l).toMatchObject({ status: 'failed', outputs: [] });
    if (typeof error === 'string') expect(l?.['error']).toBe(error);
    else expect(l?.['error']).toMatch(error);
  };
  const expectDone = (name: string, output: string, dir?: () => string) => {
    expect(failed(name, dir)).toMatchObject({ status: 'done', outputs: [join(images.out, output)], error: null });
    expect(existsSync(join(images.out, output))).toBe(true);
  };
  const explicit = () => images.explicit;

  it('the good PNG, JPEG and WebP files of the batch are converted, and the batch exits 1', () => {
    expectDone('good-1.png', 'good-1.svg');
    expectDone('good-2.jpg', 'good-2.svg');
    expectDone('good-3.webp', 'good-3.svg');
    expect(images.result.code).toBe(1);
  });
  it('kind 01 — an empty file: "the file is empty (0 bytes)"', () => expectFailed('empty.png', 'empty.png: the file is empty (0 bytes)'));
  it('kind 02 — a truncated PNG: "damaged or truncated"', () => expectFailed('truncated.png', /^truncated\.png: the image data is damaged or truncated \(.+\)$/));
  it('kind 03 — a text file named .png: not a format Kiln recognises', () =>
    expectFailed('text.png', `text.png: its content is not a format Kiln recognises; ${VTRACER_ACCEPTS}`));
  it('kind 04 — a JPEG named .png is judged by content and converted', () => expectDone('jpeg-inside.png', 'jpeg-inside.svg'));
  it('kind 05 — an HTML page named .jpg: not a format Kiln recognises', () =>
    expectFailed('page.jpg', `page.jpg: its content is not a format Kiln recognises; ${VTRACER_ACCEPTS}`));
  it('kind 06 — a PNG whose header claims 100000×100000 pixels: refused by size, never decoded', () =>
    expectFailed('huge.png', 'huge.png: the image is 100000×100000 pixels; at most 100 megapixels are accepted'));
  it('kind 07 — a 51 MB file, over VTracer\'s 50 MB upload limit', () => expectFailed('over-limit.png', 'over-limit.png is 51.0 MB; VTracer accepts files up to 50.0 MB'));
  it('kind 08 — a PNG whose image data fails its CRC: refused as damaged before anything is paid for', () => {
    expectFailed('bad-crc.png', /^bad-crc\.png: the image data is damaged/);
    expect(images.fake.generates.map((g) => g.inputName)).not.toContain('bad-crc.png');
  });
  it('kind 09 — a truncated WebP: the image cannot be read', () => expectFailed('truncated.webp', /^truncated\.webp: (cannot read the image|the image data is damaged or truncated)/));
  it('kind 10 — a PNG with zero width: the image cannot be read', () => expectFailed('zero-width.png', /^zero-width\.png: (cannot read the image|the image has no dimensions)/));
  it('kind 11 — a PNG that is only its 8-byte signature', () => expectFailed('signature-only.png', /^signature-only\.png: (cannot read the image|the image data is damaged or truncated)/));
  it('kind 12 — a JPEG cut in half: damaged or truncated', () => expectFailed('truncated.jpg', /^truncated\.jpg: (the image data is damaged or truncated|cannot read the image)/));
  it('kind 13 — a GIF named .png: not a format Kiln recognises', () =>
    expectFailed('gif-inside.png', `gif-inside.png: its content is not a format Kiln recognises; ${VTRACER_ACCEPTS}`));
  it('kind 14 — an SVG named .png: not a format Kiln recognises', () =>
    expectFailed('svg-inside.png', `svg-inside.png: its content is not a format Kiln recognises; ${VTRACER_ACCEPTS}`));
  it('kind 15 — random bytes named .png: not a format Kiln recognises', () =>
    expectFailed('noise.png', `noise.png: its content is not a format Kiln recognises; ${VTRACER_ACCEPTS}`));
  it('kind 16 — a folder named x.png is walked as a folder, and its image converted', () =>
    expectDone('in-a-folder-named-png.png', 'in-a-folder-named-png.svg', () => join(images.src, 'x.png')));
  it('kind 17 — a broken symbolic link in a folder is listed as skipped: no such file', () =>
    expect(failed('broken.png')).toMatchObject({ status: 'skipped', error: 'no such file or folder' }));
  it('kind 18 — a folder with a symbolic link loop is walked once; the loop is listed as skipped', () =>
    expect(failed(join('loop', 'up'))).toMatchObject({ status: 'skipped', error: 'folder already visited (symbolic link loop)' }));
  it('kind 19 — a unicode name keeps its letters', () => expectDone('ünïcødé 画像.png', 'ünïcødé 画像.svg'));
  it('kind 20 — leading, trailing and repeated spaces: the outer ones are dropped', () => expectDone('  lots   of spaces  .png', 'lots   of spaces.svg'));
  it('kind 21 — quotes: the double quotes Windows refuses become "_"', () => expectDone('it\'s "quoted".png', 'it\'s _quoted_.svg'));
  it('kind 22 — a folder named a..b', () => expectDone('in-dotted-folder.png', 'in-dotted-folder.svg', () => join(images.src, 'a..b')));
  it('kind 23 — a name with URL-encoded slashes stays one file name', () => expectDone('a%2F..%2Fb.png', 'a%2F..%2Fb.svg'));
  // On POSIX a backslash is part of the name (issue 14.7): nothing of it is lost but the ".." parts.
  it('kind 24 — a name with backslashes and .. segments (a Windows path) stays one safe name', () => expectDone('x\\..\\..\\escape.png', 'x_escape.svg'));
  it('kind 25 — a newline in the name is dropped from the output name', () => expectDone('new\nline.png', 'newline.svg'));
  it('kind 26 — a right-to-left override that would disguise the extension is dropped', () => expectDone('evil\u202Egvs.png', 'evilgvs.svg'));
  it('kind 27 — a Windows device name (CON) is made safe', () => expectDone('CON.png', '_CON.svg'));
  it('kind 28 — a 230-byte name is shortened to at most 200 bytes, between letters', () => {
    const l = failed(`${LONG_STEM}.png`);
    expect(l?.['status']).toBe('done');
    const output = (l?.['outputs'] as string[])[0] ?? '';
    const name = output.slice(images.out.length + 1);
    expect(name).toBe(`${'ß'.repeat(98)}.svg`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
  });
  it('kind 29 — a file deleted after it was queued: "no longer exists"', () =>
    expectFailed('zz-deleted-after-queued.png', `the input file no longer exists: ${join(images.src, 'zz-deleted-after-queued.png')}`));
  it('kind 30 — a file literally named ..foo.png (named on the command line) is converted as foo.svg', () => expectDone('..foo.png', 'foo.svg', explicit));
  it('kind 31 — an FBX model given to VTracer', () => expectFailed('model.fbx', `model.fbx: its content is FBX; ${VTRACER_ACCEPTS}`, explicit));
  it('kind 32 — a path that does not exist', () => expectFailed('missing.png', 'missing.png: no such file or folder', explicit));
  it('kind 33 — a symbolic link to itself', () => expectFailed('self-loop.png', 'self-loop.png: symbolic link loop', explicit));
  it('kind 34 — a FIFO named .png is not read (it would block): not a regular file', () => expectFailed('fifo.png', 'fifo.png: not a regular file', explicit));
  it('kind 35 — output names Scenario gives with path separators are ignored: every result lands in --out, named by the template', async () => {
    const done = images.result.lines.filter((l) => l['status'] === 'done');
    expect(done.length).toBe(16);
    for (const l of done) {
      const [output] = l['outputs'] as string[];
      expect(output?.startsWith(`${images.out}/`)).toBe(true);
      expect(output?.slice(images.out.length + 1)).not.toMatch(/[/\\]|^evil\.svg$/);
    }
    expect(existsSync(join(root.path, 'escape'))).toBe(false);
    expect(existsSync(join(images.out, '..', 'escape'))).toBe(false);
    // Nothing in the output folder but the results: no sub-folder, no leftover temporary file.
    expect((await readdir(images.out)).sort()).toEqual(done.map((l) => (l['outputs'] as string[])[0]?.slice(images.out.length + 1)).sort());
  });
});

describe('bad models in a Tripo Retopology batch: each fails on its own, the rest are converted', () => {
  const get = (name: string) => line(models.result, join(models.src, name));
  const expectFailed = (name: string, error: string | RegExp) => {
    const l = get(name);
    expect(l).toMatchObject({ status: 'failed', outputs: [] });
    if (typeof error === 'string') expect(l?.['error']).toBe(error);
    else expect(l?.['error']).toMatch(error);
  };

  it('the good GLB and OBJ are converted to GLBs', () => {
    expect(get('good.glb')).toMatchObject({ status: 'done', outputs: [join(models.out, 'good.glb')] });
    expect(get('triangle.obj')).toMatchObject({ status: 'done', outputs: [join(models.out, 'triangle.glb')] });
    expect(models.result.code).toBe(1);
  });
  it('kind 36 — a corrupt GLB (a glTF magic, then garbage)', () => expectFailed('corrupt.glb', /^corrupt\.glb: the GLB file is damaged: its header says \d+ bytes but the file has 108$/));
  it('kind 37 — a GLB whose header gives the wrong length', () => expectFailed('wrong-length.glb', /^wrong-length\.glb: the GLB file is damaged: its header says 9999 bytes but the file has \d+$/));
  it('kind 38 — a zero-byte GLB', () => expectFailed('zero.glb', 'zero.glb: the file is empty (0 bytes)'));
  it('kind 39 — an OBJ with vertices but no faces', () => expectFailed('no-faces.obj', 'no-faces.obj: the OBJ file has vertices but no faces, so there is no surface to retopologise'));
  it('kind 40 — a glTF whose .bin is missing', () => expectFailed('missing-bin.gltf', /^missing-bin\.gltf: the glTF refers to "missing-bin\.bin", which is not in the \.gltf's folder$/));
  it('kind 41 — a glTF 1.0 GLB', () => expectFailed('version-1.glb', 'version-1.glb: the GLB file is version 1; only glTF 2.0 is supported'));
  it('kind 42 — a GLB with no meshes', () => expectFailed('no-mesh.glb', 'no-mesh.glb: the GLB file contains no meshes'));
  it('kind 43 — a GLB shorter than its own header', () => expectFailed('short.glb', 'short.glb: the GLB file is truncated (shorter than its header)'));
  it('kind 44 — a GLB whose JSON chunk does not parse', () => expectFailed('bad-json.glb', 'bad-json.glb: the GLB file is damaged: its JSON chunk does not parse'));
  it('kind 45 — a text file named .obj', () => expectFailed('not-obj.obj', `not-obj.obj: its content is not a format Kiln recognises; ${TRIPO_ACCEPTS}`));
  it('kind 46 — a PNG given to Tripo Retopology', () => {
    const l = line(models.result, join(root.path, 'picture.png'));
    expect(l).toMatchObject({ status: 'failed', error: `picture.png: its content is PNG; ${TRIPO_ACCEPTS}` });
  });
  it('only the good models were generated', () => {
    expect(tally(models.fake.generates.map((g) => g.inputName ?? '?'))).toEqual({ 'good.glb': 1, 'triangle.obj': 1 });
  });
});

describe('Scenario misbehaving for one item: that item fails clearly, the others are converted', () => {
  const get = (name: string) => line(misbehaving.result, join(misbehaving.dir, 'in', name));

  it('the items Scenario treated well are converted, and the batch exits 1', () => {
    expect(get('good-a.png')).toMatchObject({ status: 'done', outputs: [join(misbehaving.dir, 'out', 'good-a.svg')] });
    expect(get('good-b.png')).toMatchObject({ status: 'done', outputs: [join(misbehaving.dir, 'out', 'good-b.svg')] });
    expect(misbehaving.result.code).toBe(1);
  });
  it('kind 47 — an API answer that is not JSON (a captive portal), retries exhausted', () => {
    expect(get('victim-not-json.png')).toMatchObject({ status: 'failed', jobId: null });
    expect(get('victim-not-json.png')?.['error']).toMatch(/^Scenario answered POST \/assets with something that is not JSON \(HTTP 200, text\/html.*\): "<!DOCTYPE html>/);
  });
  it('kind 48 — a job that never finishes: given up after --job-timeout, saying so (cancel is local: it may still be charged)', () => {
    expect(get('victim-never.png')?.['status']).toBe('failed');
    expect(get('victim-never.png')?.['error']).toMatch(/^Processing: Scenario's job job_\w+ had no result after 3(\.\d)? s \(last seen "in-progress" at \d+ %\), so Kiln stopped following it; it may still be charged$/);
  });
  it('kind 49 — an asset URL that serves an HTML page instead of the SVG', () => {
    expect(get('victim-html.png')?.['status']).toBe('failed');
    expect(get('victim-html.png')?.['error']).toMatch(/^Could not download asset asset_\w+: the download URL served text\/html instead of image\/svg\+xml \(asked for a fresh URL 3 times\)$/);
  });
  it('each item was generated once at most, and the failed ones left no partial file in the output folder', async () => {
    expect(tally(misbehaving.fake.generates.map((g) => g.inputName ?? '?'))).toEqual({ 'good-a.png': 1, 'good-b.png': 1, 'victim-never.png': 1, 'victim-html.png': 1 });
    expect((await readdir(join(misbehaving.dir, 'out'))).sort()).toEqual(['good-a.svg', 'good-b.svg']);
  });
});

describe('a file this user may not read (as an unprivileged user: root reads everything)', () => {
  it('kind 50 — unreadable permissions: "permission denied", and the readable file beside it is converted', () => {
    expect(line(unreadable.result, join(unreadable.dir, 'in', 'locked.png'))).toMatchObject({ status: 'failed', error: 'locked.png: permission denied' });
    expect(line(unreadable.result, join(unreadable.dir, 'in', 'open.png'))).toMatchObject({ status: 'done' });
  });
});

describe('a naming template that climbs out of the output folder', () => {
  it('kind 51 — "../../{name}.{ext}" is made a single name: the result lands inside --out', async () => {
    expect(climbing.result.lines[0]).toMatchObject({ status: 'done', outputs: [join(climbing.out, 'art.svg')] });
    expect(await readdir(join(climbing.dir, 'deep'))).toEqual(['out']);
    expect((await readdir(climbing.dir)).sort()).toEqual(['deep', 'in', 'state']);
  });
});

describe('bad usage: refused with exit 2 before any request reaches Scenario', () => {
  const expectUsage = (key: string, message: RegExp) => {
    const r = usage.results[key];
    expect(r?.code, r?.stderr).toBe(2);
    expect(r?.stderr).toMatch(message);
    expect(r?.lines).toEqual([]);
  };
  it('kind 52 — a parameter out of its range', () => expectUsage('out-of-range', /colorPrecision/));
  it('kind 53 — an unknown parameter', () => expectUsage('unknown-param', /sharpness/));
  it('kind 54 — a custom-only parameter with a non-custom preset', () => expectUsage('custom-only-param', /colorPrecision only applies with presetName "custom"/));
  it('kind 55 — an unknown preset', () => expectUsage('unknown-preset', /neon/));
  it('kind 56 — a naming template with an unknown field', () => expectUsage('unknown-field', /unknown field \{title\}/));
  it('kind 57 — a naming template with an unmatched brace', () => expectUsage('unmatched-brace', /unmatched brace/));
  it('kind 58 — a parameter of the wrong type (quad=maybe)', () => expectUsage('wrong-type', /quad/));
  it('kind 59 — a concurrency of 0', () => expectUsage('zero-concurrency', /--concurrency must be a whole number from 1 to 64/));
  it('kind 60 — a negative job timeout', () => expectUsage('negative-timeout', /--job-timeout must be a positive number of minutes/));
  it('kind 61 — an --out that is a file: refused up front, naming it, before anything is uploaded or paid for', async () => {
    expectUsage('out-is-a-file', new RegExp(`${usage.outFile.replace(/[.]/g, '\\.')}.*not a folder`));
    expect(countAll(usage.outFileFake)).toBe(0);
    expect(await readFile(usage.outFile, 'utf8')).toBe('I am a file');
  });
  it('none of the other cases sent a single request to Scenario', () => {
    expect(countAll(usage.fake)).toBe(0);
  });
});
