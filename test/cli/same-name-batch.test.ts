import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

/*
 * Issue 14.7: with --on-conflict overwrite or skip, two inputs of the same name in one batch
 * (a/logo.png and b/logo.png) would both be reported "done" pointing at one file — one result
 * silently replacing or hiding the other. The second is reported as a name conflict instead, and
 * nothing is paid for it.
 */

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 50 });
  dir = await tempDir('kiln-same-name-');
  for (const [folder, width] of [['a', 40], ['b', 48]] as const) {
    await mkdir(join(dir.path, 'in', folder), { recursive: true });
    await writeFile(join(dir.path, 'in', folder, 'logo.png'), await flatImage('png', width, 40));
  }
});
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe.each(['overwrite', 'skip'])('--on-conflict %s with two inputs named logo.png', (policy) => {
  it('converts the first and reports the second as a conflict, generating it not at all', async () => {
    const out = join(dir.path, `out-${policy}`);
    const before = server.generates.length;
    const result = await runCli(['convert', join(dir.path, 'in'), '--model', 'vtracer', '--out', out, '--on-conflict', policy, '--api-url', server.url, '--state', join(dir.path, `state-${policy}`), '--json']);
    expect(result.code, result.stderr).toBe(1);
    const byInput = Object.fromEntries(result.lines.map((l) => [String(l['input']).replace(`${join(dir.path, 'in')}/`, ''), l]));
    expect(byInput['a/logo.png']).toMatchObject({ status: 'done', outputs: [join(out, 'logo.svg')] });
    expect(byInput['b/logo.png']).toMatchObject({ status: 'failed', outputs: [] });
    expect(String(byInput['b/logo.png']?.['error'])).toMatch(/conflict/);
    expect(String(byInput['b/logo.png']?.['error'])).toContain('a/logo.png');
    expect(server.generates.length - before).toBe(1);
    expect(await readdir(out)).toEqual(['logo.svg']);
  }, 60_000);
});
