import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOT_DIR = join(ROOT, 'test-artifacts', 'screenshots');

/** Debian's Chromium, headless, with nothing reaching out to the network. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run scripts/setup.sh (apt-get install chromium)`);
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The browser tests' own build of the renderer: not out/renderer, which `npm start` (started by
 * test/security/start-env.test.ts while other files run) and `npm run build` empty and rewrite,
 * so a page under test can never lose its files halfway; and not under out/, which the packaged
 * app takes whole (electron-builder.yml).
 */
export const TEST_RENDERER_DIR = join(ROOT, 'test-artifacts', 'renderer');
const RENDERER_OUT = TEST_RENDERER_DIR;
/** Left by buildRenderer (outside the folder the host serves): what it built from, and the page it made. */
const BUILD_MARK = join(ROOT, 'test-artifacts', 'renderer-build.json');
const BUILD_LOCK = join(ROOT, 'test-artifacts', 'renderer-build.lock');

function newest(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** The renderer's sources as of now (newest change), and the page the test build holds. */
function buildState(): { sources: number; page: string } {
  const sources = Math.max(...['src/renderer', 'src/shared', 'package.json', 'package-lock.json'].map((p) => newest(join(ROOT, p))));
  const index = join(RENDERER_OUT, 'index.html');
  const page = existsSync(index) ? createHash('sha256').update(readFileSync(index)).digest('hex') : '';
  return { sources, page };
}

function upToDate(): boolean {
  if (!existsSync(BUILD_MARK)) return false;
  const mark = JSON.parse(readFileSync(BUILD_MARK, 'utf8')) as { sources: number; page: string };
  const now = buildState();
  return mark.sources === now.sources && mark.page === now.page && now.page !== '';
}

/**
 * Builds the renderer into TEST_RENDERER_DIR as `npm start` builds it — once per change of its
 * sources: the browser test files share the build (one at a time builds, the others wait for it),
 * and it is built again if the page there is not the one this build made.
 */
export async function buildRenderer(): Promise<void> {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  for (;;) {
    try {
      await mkdir(BUILD_LOCK);
      break;
    } catch {
      // Another test file is building it; a lock left by a killed run is taken over after 5 min.
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 300_000) await rm(BUILD_LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (upToDate()) return;
    const sources = buildState().sources;
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src/renderer/vite.config.ts', '--logLevel', 'error', '--mode', 'production', '--outDir', RENDERER_OUT, '--emptyOutDir'], {
      cwd: ROOT,
      // Vitest sets NODE_ENV=test, which would give React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    await writeFile(BUILD_MARK, JSON.stringify({ sources, page: buildState().page }));
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
