/**
 * CLIs the tests started that have not exited yet (support/cli.ts adds them). Kept apart from
 * cli.ts, which needs Node, so the setup file that ends them (leftover-processes.ts) loads in every
 * test environment, the renderer's included.
 */
interface Killable {
  kill(signal?: NodeJS.Signals): boolean;
}

const live = new Set<Killable>();

export function trackCli(child: Killable & { once(event: 'close', listener: () => void): unknown }): void {
  live.add(child);
  child.once('close', () => live.delete(child));
}

/** Ends every CLI still running: a test that failed part-way must not leave a `kiln watch` behind. */
export function killLeftoverClis(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
