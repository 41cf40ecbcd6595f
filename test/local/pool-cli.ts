/**
 * Run by pool.test.ts as `node bin/run-ts.js test/local/pool-cli.ts <outDir>`: the pool must start
 * its TypeScript workers the same way outside vitest, as the CLI and the app's dev run do.
 */
import { join, resolve } from 'node:path';
import { LocalEnginePool } from '../../src/main/engine/local/pool';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: pool-cli.ts <outDir>');
const samples = resolve(import.meta.dirname, '../../samples');
const pool = new LocalEnginePool({ size: 2 });
const [svg, glb] = await Promise.all([
  pool.run({ engine: 'vectorise', inputPath: join(samples, 'images/badge.png'), outputPath: join(outDir, 'badge.svg'), params: {} }),
  pool.run({ engine: 'simplify', inputPath: join(samples, 'models/torus-knot.glb'), outputPath: join(outDir, 'knot.glb'), params: { faceLimit: 500 } }),
]);
// No close(): idle workers are unref'd, so the process must exit by itself once the work is done.
process.stdout.write(JSON.stringify({ svg, glb }) + '\n');
