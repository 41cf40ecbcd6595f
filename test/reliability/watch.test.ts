import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile } from '../support/batch';
import { startCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';
import { waitFor } from '../support/web-app';

const fake = fakeScenarioForFile({ jobDurationMs: 300 });

async function writeSlowly(path: string, bytes: Buffer, chunks: number, gapMs: number): Promise<void> {
  const handle = await open(path, 'w');
  const size = Math.ceil(bytes.length / chunks);
  for (let i = 0; i < bytes.length; i += size) {
    await handle.write(bytes.subarray(i, i + size));
    await handle.sync();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await handle.close();
}

describe('kiln watch', () => {
  it('converts a file written slowly in chunks exactly once, and only new files after a restart', async () => {
    const server = fake();
    const dir = await tempDir('kiln-watch-');
    try {
      const inbox = join(dir.path, 'inbox');
      const out = join(dir.path, 'out');
      await mkdir(inbox);
      await writeFile(join(inbox, 'early.png'), await flatImage('png', 40, 40));
      const args = ['watch', inbox, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json'];
      const first = startCli(args);
      let stdout = '';
      first.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      const doneCount = () => stdout.split('\n').filter((l) => l.includes('"status":"done"')).length;

      await waitFor(() => doneCount() === 1, 20_000, 'the file already there to be converted');
      // A big image arriving over ~1.5 s: it must not be picked up before it is complete.
      await writeSlowly(join(inbox, 'slow.png'), await flatImage('png', 900, 700), 6, 250);
      await waitFor(() => doneCount() === 2, 20_000, 'the slowly written file to be converted');
      await new Promise((r) => setTimeout(r, 1500));
      expect(doneCount()).toBe(2);
      first.child.kill('SIGINT');
      const firstResult = await first.result;
      expect(firstResult.code).toBe(0);
      expect(firstResult.lines.filter((l) => l['status'] === 'failed')).toEqual([]);

      // While stopped, one more file arrives; the restart converts it, and only it.
      await writeFile(join(inbox, 'later.jpg'), await flatImage('jpeg', 50, 50));
      const second = startCli(args);
      let stdout2 = '';
      second.child.stdout?.on('data', (d: Buffer) => (stdout2 += d.toString()));
      await waitFor(() => stdout2.includes('later.jpg'), 20_000, 'the file added while stopped');
      await new Promise((r) => setTimeout(r, 1500));
      second.child.kill('SIGINT');
      await second.result;

      expect((await readdir(out)).sort()).toEqual(['early.svg', 'later.svg', 'slow.svg']);
      const perInput = new Map<string, number>();
      for (const g of server.generates) perInput.set(g.inputName ?? '', (perInput.get(g.inputName ?? '') ?? 0) + 1);
      expect(Object.fromEntries(perInput)).toEqual({ 'early.png': 1, 'slow.png': 1, 'later.jpg': 1 });
    } finally {
      await dir.remove();
    }
  });
});
