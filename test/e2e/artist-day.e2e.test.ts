import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebApp } from '../../src/main/host/launch-web';
import { failureText } from '../../src/shared/failure-text';
import { DEFAULT_FAULTS, type FakeScenario } from '../fake-scenario/index';
import { screenshotPath } from '../support/browser';
import { browserAppForFile, dropFiles, dropFolder } from '../support/browser-app';
import { flatImage } from '../support/files';
import { waitFor } from '../support/web-app';

const e2e = browserAppForFile({ prefix: 'kiln-e2e-day-', fake: { jobDurationMs: 300 }, keyPair: 'none', downloadsAndClipboard: true });
let server: FakeScenario;
let app: WebApp;
let page: Page;
let dir: string;
beforeAll(() => void ({ server, app, page, dir } = e2e()));

const row = (text: string) => page.locator('.item-row', { hasText: text }).first();

async function chooseModel(label: RegExp): Promise<void> {
  const model = page.getByLabel('Model', { exact: true });
  const value = await model.locator('option').evaluateAll(
    (options, source) => (options as HTMLOptionElement[]).find((o) => new RegExp(source).test(o.textContent ?? ''))?.value,
    label.source,
  );
  await model.selectOption(value ?? '');
}

describe("an artist's day in the browser host", () => {
  it('says "No API key yet" (not "refused") until a key is saved, then shows no key banner', async () => {
    await page.goto(app.host.url);
    const favicon = await page.locator('link[rel=icon]').getAttribute('href');
    expect((await page.request.get(new URL(favicon ?? '', app.host.url).href)).status()).toBe(200);
    await page.getByText('No API key yet').waitFor();
    expect(await page.getByText('refused').count()).toBe(0);
    await page.screenshot({ path: await screenshotPath('day-01-no-key-yet') });
    await page.getByLabel('API key', { exact: true }).fill('test-key');
    await page.getByLabel('API secret', { exact: true }).fill('test-secret');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'the key pair is accepted' }).waitFor();
    expect(await page.getByText('No API key yet').count()).toBe(0);
    expect(await page.locator('.banner-bad').count()).toBe(0);
  });

  it('shows parameters only for Custom, in artist words, and a stray drop on the editor does nothing', async () => {
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await chooseModel(/VTracer/);
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Poster' });
    expect(await page.locator('fieldset.params').count()).toBe(0);
    await page.getByText('Flat colour artwork').first().waitFor();
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Custom' });
    await page.getByLabel(/Colour detail/).waitFor();
    const text = await page.locator('form.editor').innerText();
    expect(text).not.toMatch(/Phoenix param|Only used with preset/);
    await page.screenshot({ path: await screenshotPath('day-02-editor-custom') });

    // A real drop's default action (the browser opening the file) happens unless the page prevents it:
    // outside a queue, the page prevents it and does nothing else.
    const prevented = await page.evaluate(() => {
      const target = document.querySelector('form.editor') as HTMLElement;
      return ['dragover', 'drop'].map((type) => {
        const dataTransfer = new DataTransfer();
        dataTransfer.items.add(new File(['x'], 'stray.png', { type: 'image/png' }));
        const event = new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true });
        target.dispatchEvent(event);
        return event.defaultPrevented;
      });
    });
    expect(prevented).toEqual([true, true]);
    expect(await page.locator('.drop-summary').count()).toBe(0);

    await chooseModel(/Tripo/);
    await page.getByText(/chair\.glb → /).waitFor();
    expect(await page.locator('.example').innerText()).toBe('chair.glb → chair.glb');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  it('keeps a dropped folder tree, shows what was dropped, and records broken files with their reason and no Retry', async () => {
    const out = join(dir, 'out', 'svg');
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Logos');
    await chooseModel(/VTracer/);
    await page.getByLabel('Output folder', { exact: true }).fill(out);
    await page.getByLabel('Keep sub-folders').check();
    expect(await page.getByLabel('File names', { exact: true }).inputValue()).toBe('{dir}/{name}.{ext}');
    expect(await page.locator('.example').innerText()).toBe('props/logo.png → props/logo.svg');
    await page.getByRole('button', { name: 'Create queue' }).click();
    await page.getByRole('region', { name: 'Logos' }).waitFor();
    // Focus moved to the new queue.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Logos');

    const folder = join(dir, 'folder');
    await mkdir(join(folder, 'sub1'), { recursive: true });
    await writeFile(join(folder, 'top.png'), await flatImage('png', 40, 40));
    await writeFile(join(folder, 'sub1', 's1.png'), await flatImage('png', 48, 32));
    await writeFile(join(folder, 'sub1', 'empty.png'), '');
    await writeFile(join(folder, 'sub1', 'garbage.png'), 'this is not a png at all');
    await dropFolder(page, folder);
    await page.locator('.item-row.state-done').nth(1).waitFor({ timeout: 30_000 });
    await row('folder/sub1/s1.png').waitFor();
    expect(await page.locator('.item-row').allInnerTexts()).not.toContainEqual(expect.stringContaining('inbox'));
    expect((await readdir(out, { recursive: true })).filter((p) => p.endsWith('.svg')).sort()).toEqual(['sub1/s1.svg', 'top.svg']);

    // The broken files are on the queue, each with its reason in plain words, and no Retry.
    const empty = row('folder/sub1/empty.png');
    await empty.waitFor();
    expect(await empty.innerText()).toContain(failureText('the file is empty (0 bytes)').text);
    await empty.hover();
    expect(await page.getByRole('button', { name: 'Retry empty.png' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Details of empty.png' }).click();
    await page.getByRole('dialog').getByText('the file is empty (0 bytes)').waitFor();
    await page.screenshot({ path: await screenshotPath('day-03-failure-details') });
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await row('folder/sub1/garbage.png').waitFor();
    await page.screenshot({ path: await screenshotPath('day-04-queue-tree-and-broken') });
  });

  it('filters All / Active / Failed / Done with counts, removes a row, and clears failed through an in-app dialog', async () => {
    const tab = (name: string) => page.getByRole('tab', { name: new RegExp(`^${name} `) });
    expect(await tab('All').innerText()).toMatch(/All\s+4/);
    expect(await tab('Done').innerText()).toMatch(/Done\s+2/);
    expect(await tab('Failed').innerText()).toMatch(/Failed\s+2/);
    await tab('Failed').click();
    expect(await page.locator('.item-row').count()).toBe(2);
    expect(await page.locator('.item-row.state-failed').count()).toBe(2);
    await page.screenshot({ path: await screenshotPath('day-05-failed-tab') });

    await row('garbage.png').hover();
    await page.getByRole('button', { name: 'Remove garbage.png' }).click();
    await waitFor(async () => (await page.locator('.item-row').count()) === 1 || undefined, 10_000).catch(() => undefined);
    await page.waitForFunction(() => document.querySelectorAll('.item-row').length === 1);

    let dialogs = 0;
    page.on('dialog', () => dialogs++);
    await page.getByRole('button', { name: 'Clear failed' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    await page.screenshot({ path: await screenshotPath('day-06-clear-failed-dialog') });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No failed items.').waitFor();
    expect(dialogs).toBe(0);
    await tab('All').click();
  });

  it('offers Download and Copy path for a finished result in the browser, on the row and in the preview', async () => {
    await row('top.png').hover();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: "Download top.png's result" }).click()]);
    expect(download.suggestedFilename()).toBe('top.svg');
    expect(await readFile((await download.path()) ?? '', 'utf8')).toContain('<svg');
    await row('top.png').hover();
    await page.getByRole('button', { name: "Copy the path of top.png's result" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(join(dir, 'out', 'svg', 'top.svg'));
    await page.screenshot({ path: await screenshotPath('day-07-row-actions-hover') });

    await row('top.png').hover();
    await page.getByRole('button', { name: 'Preview top.png' }).click();
    await page.getByRole('dialog').getByRole('link', { name: 'Download' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Copy path' }).waitFor();
    expect(await page.getByRole('dialog').getByText('Show in folder').count()).toBe(0);
    await page.screenshot({ path: await screenshotPath('day-08-preview-download') });
    await page.keyboard.press('Escape');
  });

  it('is one Tab stop with arrow keys inside, and counts canceled items apart from failed ones', async () => {
    server.setFaults({ ...DEFAULT_FAULTS, neverFinishJobs: true });
    await dropFiles(page, [{ name: 'slow.png', bytes: await flatImage('png', 30, 30) }]);
    await row('slow.png').waitFor();
    await waitFor(() => server.generates.some((g) => g.inputName === 'slow.png'), 15_000, 'the job to be submitted');
    await page.locator('.item-row').first().focus();
    expect(await page.locator('.item-row[tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.activeElement?.textContent?.includes('slow.png'));
    await page.keyboard.press('Escape'); // cancels the focused, running item
    await page.locator('.item-row.state-canceled').waitFor();
    await page.locator('.totals').getByText('1 canceled').waitFor();
    expect(await page.locator('.totals .text-bad').count()).toBe(0);
    server.setFaults(DEFAULT_FAULTS);
  });

  it('adds files dropped on a queue in the sidebar to that queue', async () => {
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Second');
    await chooseModel(/VTracer/);
    await page.getByLabel('Output folder', { exact: true }).fill(join(dir, 'out', 'second'));
    await page.getByRole('button', { name: 'Create queue' }).click();
    await page.getByRole('region', { name: 'Second' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await dropFiles(page, [{ name: 'via-sidebar.png', bytes: await flatImage('png', 24, 24) }], '[data-testid="queue-entry-Logos"]');
    await page.getByRole('region', { name: 'Logos' }).waitFor();
    await page.locator('.item-row.state-done', { hasText: 'via-sidebar.png' }).waitFor({ timeout: 30_000 });
    expect(await readdir(join(dir, 'out', 'svg'))).toContain('via-sidebar.svg');
  });

  it('gives 3D rows a rendered thumbnail and a 3D example name', async () => {
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Props');
    await chooseModel(/Tripo/);
    await page.getByLabel('Output folder', { exact: true }).fill(join(dir, 'out', 'lowpoly'));
    await page.screenshot({ path: await screenshotPath('day-09-editor-3d') });
    await page.getByRole('button', { name: 'Create queue' }).click();
    await page.getByRole('region', { name: 'Props' }).waitFor();
    await dropFiles(page, [{ name: 'knot.glb', bytes: await readFile('samples/models/torus-knot.glb') }]);
    await page.locator('.item-row.state-done').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('.item-row canvas.thumb')].some((c) => (c as HTMLCanvasElement).width > 1), undefined, { timeout: 15_000 });
    await page.mouse.move(5, 5);
    await page.screenshot({ path: await screenshotPath('day-10-3d-thumbnail') });
  });
});
