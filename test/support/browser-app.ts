/**
 * The start-up the browser tests (test/e2e/*) share: the renderer built as `npm start` builds it,
 * a fake Scenario, the app's engine and web host on a temporary state folder, and a page in
 * headless Chromium — started once per test file, closed after it. Also the two ways a test
 * drops things on the window: files made from bytes, and a real folder.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { MemoryCredentialStore } from '../../src/main/host/credentials';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from '../fake-scenario/index';
import { buildRenderer, launchChromium, TEST_RENDERER_DIR } from './browser';
import { tempDir } from './files';
import { joinState, startApp } from './web-app';

export interface BrowserAppOptions {
  /** Prefix of the temporary folder's name, so a leftover says which file made it. */
  prefix: string;
  fake?: FakeScenarioOptions;
  /** Whether the app starts with the fake's key pair stored (default), or as a fresh install with none. */
  keyPair?: 'stored' | 'none';
  viewport?: { width: number; height: number };
  /** Downloads accepted and the clipboard open to the page (the browser host's Download and Copy path). */
  downloadsAndClipboard?: boolean;
  /** Where uncaught errors in the page go (default: the test output). */
  onPageError?: (message: string) => void;
}

export interface BrowserApp {
  server: FakeScenario;
  app: WebApp;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** The temporary folder (the app's state is in its `state` folder); removed after the file. */
  dir: string;
}

/** Starts it all before the file's tests; returns a getter (the app exists once beforeAll has run). */
export function browserAppForFile(options: BrowserAppOptions): () => BrowserApp {
  let server: FakeScenario | undefined;
  let app: WebApp | undefined;
  let browser: Browser | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let started: BrowserApp | undefined;
  beforeAll(async () => {
    await buildRenderer();
    server = await startFakeScenario(options.fake ?? {});
    dir = await tempDir(options.prefix);
    app = await startApp(server, joinState(dir.path), options.keyPair === 'none' ? new MemoryCredentialStore() : undefined, TEST_RENDERER_DIR);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, acceptDownloads: options.downloadsAndClipboard ?? false });
    if (options.downloadsAndClipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.host.url.replace(/\/$/, '') });
    const page = await context.newPage();
    const onPageError = options.onPageError ?? ((message: string) => console.error(`[page error] ${message}`));
    page.on('pageerror', (error) => onPageError(error.message));
    started = { server, app, browser, context, page, dir: dir.path };
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.close();
    await dir?.remove();
  });
  return () => {
    if (!started) throw new Error('the browser app starts in beforeAll: read it inside a test or hook');
    return started;
  };
}

const DROPZONE = '[data-testid=dropzone]';

async function dispatchDrop(page: Page, target: string, dataTransfer: Awaited<ReturnType<Page['evaluateHandle']>>): Promise<void> {
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer });
}

/** Drops files made from these bytes on `target` (the window's drop zone by default). */
export async function dropFiles(page: Page, files: ReadonlyArray<{ name: string; bytes: Buffer; type?: string }>, target = DROPZONE): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    (list: Array<{ name: string; type: string; base64: string }>) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      return dt;
    },
    files.map((f) => ({ name: f.name, type: f.type ?? '', base64: f.bytes.toString('base64') })),
  );
  await dispatchDrop(page, target, dataTransfer);
}

/** Drops a real folder (read through a directory picker, as a browser would) on `target`. */
export async function dropFolder(page: Page, folder: string, target = DROPZONE): Promise<void> {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'e2e-folder';
    input.webkitdirectory = true;
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#e2e-folder', folder);
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    for (const file of Array.from((document.getElementById('e2e-folder') as HTMLInputElement).files ?? [])) dt.items.add(file);
    document.getElementById('e2e-folder')?.remove();
    return dt;
  });
  await dispatchDrop(page, target, dataTransfer);
}
