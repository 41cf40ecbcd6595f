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
