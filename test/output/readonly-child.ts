// Spawned by writer.test.ts inside a private mount namespace where <dir> is a read-only tmpfs
// holding art.svg. Prints what the writer reported, as JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutputError } from '../../src/main/engine/output/errors';
import { tempPathFor } from '../../src/main/engine/output/writer';

const dir = process.argv[2]!;
const report = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    return err instanceof OutputError ? { code: err.code, message: err.message } : { other: String(err) };
  }
};
const inFolder = await report(() => tempPathFor(dir, 'item'));
const subFolder = await report(() => tempPathFor(join(dir, 'new-sub'), 'item'));
process.stdout.write(JSON.stringify({ inFolder, subFolder, existing: readFileSync(join(dir, 'art.svg'), 'utf8') }));
