/**
 * The app as the browser sections (ui.ts, trace.ts) measure it: a fresh production build of the
 * renderer, the engine and web host against the bench's fake server, and headless Chromium.
 * Always built into a temp folder, never over out/: out/renderer may have been built by the e2e
 * tests under NODE_ENV=test, which gives React's development build.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { MemoryCredentialStore } from '../src/main/host/credentials';
import { launchWebApp, type WebApp } from '../src/main/host/launch-web';
import { tempDir } from './fixtures';
import type { BenchContext } from './section';

const ROOT = join(import.meta.dirname, '..');

export interface BrowserBench {
  app: WebApp;
  browser: Browser;
  /** The Chromium it runs (Debian's, or CHROMIUM_PATH), for the section's notes. */
  executablePath: string;
  close(): Promise<void>;
}

/** `label` names the section in the log and its temp folders. */
export async function startBrowserBench(ctx: BenchContext, label: string): Promise<BrowserBench> {
  const server = await ctx.server();
  const renderer = await tempDir(`${label}-renderer`);
  ctx.log(`${label}: building the renderer (production)`);
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src/renderer/vite.config.ts', '--mode', 'production', '--logLevel', 'error', '--outDir', renderer, '--emptyOutDir'],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } },
  );
  const app = await launchWebApp({
    stateDir: await tempDir(`${label}-state`),
    rendererDir: renderer,
    port: 0,
    version: 'bench',
    credentials: new MemoryCredentialStore({ apiKey: server.apiKey, apiSecret: server.apiSecret }),
    apiUrl: server.url,
  });
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  return {
    app,
    browser,
    executablePath,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}
