/**
 * Runs a measuring child (memory-child.ts, upload-memory-child.ts) in a fresh Node process with
 * --expose-gc, so what it measures is its own RSS and nothing left over from the benchmark, and
 * reads its report: the last line it prints, validated by the section's schema.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { z } from 'zod';

const ROOT = join(import.meta.dirname, '..');

export function runChild<S extends z.ZodType>(script: string, job: Record<string, string>, reportSchema: S): Promise<z.output<S>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'bench', script), JSON.stringify(job)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      try {
        resolve(reportSchema.parse(JSON.parse(out.trim().split('\n').pop() ?? '')));
      } catch (error) {
        reject(new Error(`${script} printed no report: ${(error as Error).message}`));
      }
    });
  });
}
