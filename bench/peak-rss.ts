// The high-water mark of this process's RSS, read and reset through /proc (Linux), for the memory
// children (memory-child.ts, upload-memory-child.ts): each measures how far RSS rose above its level
// just before the transfer it times.
import { readFileSync, writeFileSync } from 'node:fs';

export function hwmBytes(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Linux lets a process reset its own high-water mark to the current RSS ("5" → clear_refs). */
export function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export interface PeakMeasure<T> {
  value: T;
  ms: number;
  baseline: number;
  sampledPeak: number;
  hwm: number | null;
  /** How far RSS rose above the baseline: the larger of the sampled peak and the kernel's mark. */
  growth: number;
  gc: boolean;
}

/**
 * Runs `work` once, after the caller warmed its code paths up, and reports how far RSS rose above
 * its level just before: RSS sampled every 10 ms, and VmHWM reset to the baseline where Linux allows.
 */
export async function measurePeak<T>(work: () => Promise<T>): Promise<PeakMeasure<T>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((r) => setTimeout(r, 50));
  gc?.();
  const baseline = process.memoryUsage().rss;
  const hwmReset = resetHwm();
  let sampledPeak = baseline;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > sampledPeak) sampledPeak = rss;
  }, 10);
  const t0 = performance.now();
  let value: T;
  try {
    value = await work();
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - t0;
  sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  const hwm = (hwmReset ? hwmBytes() : undefined) ?? null;
  return { value, ms, baseline, sampledPeak, hwm, growth: Math.max(sampledPeak, hwm ?? 0) - baseline, gc: gc !== undefined };
}
