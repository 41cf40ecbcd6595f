import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../../src/main/host/credentials';
import type { WebApp } from '../../src/main/host/launch-web';
import { DEFAULT_FAULTS, startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { buildRenderer, launchChromium, screenshotPath } from '../support/browser';
import { flatImage, tempDir } from '../support/files';
import { startApp, waitFor } from '../support/web-app';

let server: FakeScenario;
let app: WebApp;
let browser: Browser;
let page: Page;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  await buildRenderer();
  server = await startFakeScenario({ jobDurationMs: 600 });
  dir = await tempDir('kiln-e2e-');
  // A fresh install: no key pair stored yet, so the app must send the artist to Settings.
  app = await startApp(server, join(dir.path, 'state'), new MemoryCredentialStore());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await server?.close();
  await dir?.remove();
});

interface DropFile {
  name: string;
  type: string;
  base64: string;
}

async function dropFiles(files: DropFile[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list: DropFile[]) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('[data-testid=dropzone]', type, { dataTransfer });
}

/** Drops a real folder: the browser reads it through a directory picker, then it is dropped. */
async function dropFolder(folder: string): Promise<void> {
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
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('[data-testid=dropzone]', type, { dataTransfer });
}

const rows = (state: string) => page.locator(`.item-row.state-${state}`);

/** Row actions appear over the hovered row (one shared toolbar): point at the row, then use one. */
async function rowAction(file: string, action: string): Promise<void> {
  await page.locator('.item-row', { hasText: file }).first().hover();
  await page.getByRole('button', { name: `${action} ${file}` }).click();
}

async function waitForRows(state: string, count: number, timeout = 30_000): Promise<void> {
  const start = Date.now();
  while ((await rows(state).count()) < count) {
    if (Date.now() - start > timeout) throw new Error(`expected ${count} ${state} rows, saw ${await rows(state).count()}`);
    await page.waitForTimeout(100);
  }
}

async function createQueue(name: string, modelLabel: RegExp, outputDir: string): Promise<void> {
  await page.getByRole('button', { name: 'New queue', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  const model = page.getByLabel('Model', { exact: true });
  const value = await model.locator('option').evaluateAll(
    (options, source) => (options as HTMLOptionElement[]).find((o) => new RegExp(source).test(o.textContent ?? ''))?.value,
    modelLabel.source,
  );
  await model.selectOption(value ?? '');
  await page.getByLabel('Output folder', { exact: true }).fill(outputDir);
  await page.screenshot({ path: await screenshotPath(`02-new-queue-${name.replace(/\W+/g, '-').toLowerCase()}`) });
  await page.getByRole('button', { name: 'Create queue' }).click();
  await page.getByRole('region', { name }).waitFor();
}

describe('Kiln in a real browser, through the web host, against the fake Scenario server', () => {
  it('guides a first run to Settings, where the key pair is stored write-only', async () => {
    await page.goto(app.host.url);
    await page.getByLabel('API key', { exact: true }).waitFor();
    await page.screenshot({ path: await screenshotPath('01-first-run-settings') });
    await page.getByLabel('API key', { exact: true }).fill('test-key');
    await page.getByLabel('API secret', { exact: true }).fill('test-secret');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.badge-ok', { hasText: 'set' }).waitFor();
    expect(await page.getByLabel('API secret', { exact: true }).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('status').filter({ hasText: 'the key pair is accepted' }).waitFor();
  });

  it('converts dropped images and a dropped folder to SVG files in the queue output folder', async () => {
    const out = join(dir.path, 'brand', 'svg');
    await createQueue('Vectorise logos', /VTracer/, out);
    await dropFiles([
      { name: 'logo.png', type: 'image/png', base64: (await flatImage('png', 120, 80)).toString('base64') },
      { name: 'poster.jpg', type: 'image/jpeg', base64: (await flatImage('jpeg', 90, 120)).toString('base64') },
      { name: 'notes.txt', type: 'text/plain', base64: Buffer.from('not an image').toString('base64') },
    ]);
    await page.getByText(/2 added/).waitFor();
    await page.getByText(/notes\.txt/).first().waitFor();

    const folder = join(dir.path, 'scans');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'scan-a.png'), await flatImage('png', 64, 64));
    await writeFile(join(folder, 'sub', 'scan-b.webp'), await flatImage('webp', 64, 64));
    await dropFolder(folder);

    await waitForRows('done', 4);
    await page.waitForTimeout(600); // let progress bars finish their transition
    // Every image row shows its input, fetched and decoded by the thumbnail worker, not on the page.
    await page.waitForFunction(() => [...document.querySelectorAll('canvas.thumb')].filter((c) => (c as HTMLCanvasElement).width > 1).length === 4);
    expect(page.workers().some((w) => w.url().includes('thumb-worker'))).toBe(true);
    await page.screenshot({ path: await screenshotPath('03-queue-done') });
    expect((await readdir(out)).sort()).toEqual(['logo.svg', 'poster.svg', 'scan-a.svg', 'scan-b.svg']);
    expect(await readFile(join(out, 'logo.svg'), 'utf8')).toContain('<svg');

    await rowAction('logo.png', 'Preview');
    await page.waitForTimeout(500);
    await page.screenshot({ path: await screenshotPath('04-preview-image') });
    await page.keyboard.press('Escape');
  });

  it('cancels a running item and retries it to completion', async () => {
    server.setFaults({ ...DEFAULT_FAULTS, neverFinishJobs: true });
    await dropFiles([{ name: 'slow.png', type: 'image/png', base64: (await flatImage('png', 50, 50)).toString('base64') }]);
    await page.locator('.item-row', { hasText: 'slow.png' }).waitFor();
    await waitFor(() => server.generates.some((g) => g.inputName === 'slow.png'), 15_000, 'the job to be submitted');
    await rowAction('slow.png', 'Cancel');
    await waitForRows('canceled', 1);
    expect(server.counts['job-cancel']).toBeGreaterThanOrEqual(1);
    server.setFaults(DEFAULT_FAULTS);
    await rowAction('slow.png', 'Retry');
    await waitForRows('done', 5);
    expect(await readdir(join(dir.path, 'brand', 'svg'))).toContain('slow.svg');
  });

  it('turns a dropped GLB into a low-poly GLB through a retopology queue', async () => {
    const out = join(dir.path, 'game', 'lowpoly');
    await createQueue('Retopo', /Tripo/, out);
    await dropFiles([{ name: 'knot.glb', type: 'model/gltf-binary', base64: (await readFile('samples/models/torus-knot.glb')).toString('base64') }]);
    await waitForRows('done', 1);
    await page.screenshot({ path: await screenshotPath('05-retopo-done') });
    expect(await readdir(out)).toEqual(['knot.glb']);
    const glb = await readFile(join(out, 'knot.glb'));
    expect(glb.toString('latin1', 0, 4)).toBe('glTF');
    await rowAction('knot.glb', 'Preview');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: await screenshotPath('06-preview-3d') });
    await page.keyboard.press('Escape');
  });
});
