import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, QueueStore } from '../../src/main/engine/queue/store';
import { RESUMABLE_STATES } from '../../src/main/engine/queue/state-machine';
import { FINAL_STATES } from '../../src/shared/item-states';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'crash-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'kiln-crash-'));
/** Children still running: a failed or timed-out round must not leave one hammering the disk for the rest of the run. */
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has committed `transitions` transitions, then SIGKILLs it. */
function runAndKill(transitions: number): Promise<Map<string, string>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', CHILD, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const last = new Map<string, string>();
    let buffer = '';
    let count = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? ''; // a line cut by the kill is incomplete: ignore it
      for (const line of lines) {
        if (line === 'ready') continue;
        const [id, state] = line.split(' ');
        if (id && state) last.set(id, state);
        count++;
      }
      if (count >= transitions && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    // 'close', not 'exit': lines the child wrote just before the kill may still sit in the pipe when
    // it exits, and each was committed (under load the kill lands dozens of transitions late).
    child.on('close', (code, signal) => {
      running.delete(child);
      if (signal === 'SIGKILL') resolvePromise(last);
      else reject(new Error(`child exited on its own (code ${code}): ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  it('after kill -9 at arbitrary moments the database is intact, every row legal, every printed commit kept', async () => {
    for (let round = 0; round < 3; round++) {
      const printed = await runAndKill(1500 + round * 700);
      expect(printed.size).toBeGreaterThan(0);

      const raw = new Database(join(dir, DB_FILE_NAME));
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();

      const store = QueueStore.open(dir);
      try {
        expect(store.findCorrupt()).toEqual([]);
        const items = store.list();
        expect(items).toHaveLength(store.counts().total);
        expect(items).toHaveLength(200);
        for (const item of items) {
          if (item.state === 'waiting-for-network') expect(RESUMABLE_STATES).toContain(item.resumeState);
          else expect(item.resumeState).toBeUndefined();
          if (FINAL_STATES.includes(item.state)) expect(item.finishedAt).toBeTypeOf('number');
          expect(item.progress).toBeGreaterThanOrEqual(0);
          expect(item.progress).toBeLessThanOrEqual(1);
        }
        // Every transition the child reported was committed before it was reported; at most one
        // more (committed but not yet printed when the kill landed) can differ.
        let differing = 0;
        for (const [id, state] of printed) if (store.get(id)?.state !== state) differing++;
        expect(differing).toBeLessThanOrEqual(1);
      } finally {
        store.close();
      }
    }
  });
});
