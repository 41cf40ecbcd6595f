import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebApp } from '../../src/main/host/launch-web';
import { DEFAULT_FAULTS, type FakeScenario } from '../fake-scenario/index';
import { screenshotPath } from '../support/browser';
import { browserAppForFile, dropFiles, dropFolder } from '../support/browser-app';
import { flatImage } from '../support/files';
import { waitFor } from '../support/web-app';

// A fresh install: no key pair stored yet, so the app must send the artist to Settings.
const e2e = browserAppForFile({ prefix: 'kiln-e2e-', fake: { jobDurationMs: 600 }, keyPair: 'none' });
let server: FakeScenario;
let app: WebApp;
let page: Page;
let dir: string;
beforeAll(() => void ({ server, app, page, dir } = e2e()));

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
    const out = join(dir, 'brand', 'svg');
    await createQueue('Vectorise logos', /VTracer/, out);
    await dropFiles(page, [
      { name: 'logo.png', type: 'image/png', bytes: await flatImage('png', 120, 80) },
      { name: 'poster.jpg', type: 'image/jpeg', bytes: await flatImage('jpeg', 90, 120) },
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image') },
    ]);
    await page.getByText(/2 added/).waitFor();
    await page.getByText(/notes\.txt/).first().waitFor();

    const folder = join(dir, 'scans');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'scan-a.png'), await flatImage('png', 64, 64));
    await writeFile(join(folder, 'sub', 'scan-b.webp'), await flatImage('webp', 64, 64));
    await dropFolder(page, folder);

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
    await dropFiles(page, [{ name: 'slow.png', type: 'image/png', bytes: await flatImage('png', 50, 50) }]);
    await page.locator('.item-row', { hasText: 'slow.png' }).waitFor();
    await waitFor(() => server.generates.some((g) => g.inputName === 'slow.png'), 15_000, 'the job to be submitted');
    await rowAction('slow.png', 'Cancel');
    await waitForRows('canceled', 1);
    expect(server.counts['job-cancel']).toBeGreaterThanOrEqual(1);
    server.setFaults(DEFAULT_FAULTS);
    await rowAction('slow.png', 'Retry');
    await waitForRows('done', 5);
    expect(await readdir(join(dir, 'brand', 'svg'))).toContain('slow.svg');
  });

  it('turns a dropped GLB into a low-poly GLB through a retopology queue', async () => {
    const out = join(dir, 'game', 'lowpoly');
    await createQueue('Retopo', /Tripo/, out);
    await dropFiles(page, [{ name: 'knot.glb', type: 'model/gltf-binary', bytes: await readFile('samples/models/torus-knot.glb') }]);
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
