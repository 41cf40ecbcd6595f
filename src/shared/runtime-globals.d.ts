// src/shared runs in the browser (renderer, its workers) and in Node (main, CLI, local engine
// workers), so tsconfig.shared.json gives it neither runtime's types. These are the few globals
// both runtimes provide that shared code uses (src/shared/vtracer.ts), declared as narrowly as used.
declare global {
  var console: { error(...args: unknown[]): void };
  class TextEncoder {
    encode(input?: string): Uint8Array;
  }
}
export {};
