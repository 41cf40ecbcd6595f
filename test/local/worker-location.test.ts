import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalEnginePool } from '../../src/main/engine/local/pool';
import { useBuiltWorker } from '../../src/main/engine/local/worker-location';
import { flatImage, tempDir } from '../support/files';

// A bundle registers its compiled worker (src/main/index.ts, src/cli/bin.ts). When that file is
// missing or broken, the conversion fails with words, and the pool stays usable.
const dir = await tempDir('kiln-worker-location-');
afterAll(() => dir.remove());

function job(name: string) {
  return { engine: 'vectorise' as const, inputPath: join(dir.path, 'in.png'), outputPath: join(dir.path, name), params: {} };
}

describe('the bundled worker', () => {
  it('missing: the item fails saying the local engine is missing from the installation and where it was expected', async () => {
    await writeFile(join(dir.path, 'in.png'), await flatImage('png'));
    const missing = join(dir.path, 'gone', 'local-worker.js');
    useBuiltWorker(missing);
    const pool = new LocalEnginePool({ size: 1 });
    await expect(pool.run(job('a.svg'))).rejects.toThrow(`Kiln's local engine is missing from this installation (expected ${missing}). Reinstall Kiln`);
    // The pool is still there for the next job (which meets the same answer, not a hang).
    await expect(pool.run(job('b.svg'))).rejects.toThrow(/missing from this installation/);
    await pool.close();
  });

  it('corrupt: the item fails saying the local engine stopped, with the reason', async () => {
    const broken = join(dir.path, 'broken-worker.js');
    await writeFile(broken, 'this is not javascript (');
    useBuiltWorker(broken);
    const pool = new LocalEnginePool({ size: 1 });
    await expect(pool.run(job('c.svg'))).rejects.toThrow(/^The local engine stopped unexpectedly: .+/);
    await pool.close();
  });
});
