import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebApp } from '../../src/main/host/launch-web';
import { screenshotPath } from '../support/browser';
import { browserAppForFile } from '../support/browser-app';
import { BADGE, TORUS_KNOT } from '../local/helpers';

const pageErrors: string[] = [];
const e2e = browserAppForFile({ prefix: 'kiln-e2e-trace-', viewport: { width: 1280, height: 900 }, onPageError: (message) => pageErrors.push(message) });
let app: WebApp;
let page: Page;
beforeAll(() => void ({ app, page } = e2e()));

describe('the queue editor previews VTracer in real Chromium (Web Worker + WebAssembly)', () => {
  it('traces a chosen sample beside it, compares the presets, and one click picks a preset', async () => {
    await page.goto(app.host.url);
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await page.getByLabel('Choose a sample image').setInputFiles(BADGE);
    const result = page.locator('[data-testid=trace-result][data-status=final]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.locator('figcaption').textContent()).toMatch(/^\d+ paths · \d+ colours · [\d.]+ KB$/);
    const size = await result.locator('img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size).toEqual([256, 256]);

    await page.getByRole('button', { name: 'Compare presets' }).click();
    const tiles = page.getByRole('list', { name: 'Presets compared' }).getByRole('listitem');
    await expect.poll(async () => (await tiles.allTextContents()).filter((t) => /paths? · /.test(t)).length, { timeout: 60_000 }).toBe(4);
    await page.screenshot({ path: await screenshotPath('trace-preview-compare') });
    await page.getByRole('button', { name: 'Use Black & white' }).click();
    expect(await page.getByLabel('Preset', { exact: true }).inputValue()).toBe('bw');
    await expect.poll(async () => page.locator('[data-testid=trace-result][data-status=final] figcaption').textContent(), { timeout: 60_000 }).toMatch(/ 1 colour · /);
    expect(pageErrors).toEqual([]);
  });

  it('lets the sample be chosen from the keyboard: Tab reaches "Choose sample…", Space opens the file picker', async () => {
    await page.goto(app.host.url);
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    // Listening for the chooser first turns on its interception in the browser well before Space is
    // pressed; started together with the key press, that could lose the race on a busy machine.
    const chooserOpened = page.waitForEvent('filechooser', { timeout: 60_000 });
    await page.getByLabel('Preset', { exact: true }).focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Choose a sample image');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Space');
    const chooser = await chooserOpened;
    await chooser.setFiles(BADGE);
    await page.locator('[data-testid=trace-result][data-status=final]').waitFor({ timeout: 60_000 });
    expect(pageErrors).toEqual([]);
  });

  it('previews a Tripo queue: the sample mesh simplified here to faceLimit, with face counts, labelled an approximation', async () => {
    await page.goto(app.host.url);
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    const model = page.getByLabel('Model', { exact: true });
    const tripo = await model.locator('option').evaluateAll((options) => (options as HTMLOptionElement[]).find((o) => /Tripo/.test(o.textContent ?? ''))?.value);
    await model.selectOption(tripo ?? '');
    await page.getByLabel('Preset', { exact: true }).selectOption('mobile-1k');
    await page.getByLabel('Choose a sample model').setInputFiles(TORUS_KNOT);
    const done = page.locator('[data-testid=mesh-result][data-status=done]');
    await done.waitFor({ timeout: 60_000 });
    const line = (await done.locator('p[aria-live]').textContent()) ?? '';
    const m = /^([\d,]+) faces → ([\d,]+) faces \(limit 1,000\)$/.exec(line);
    expect(m, line).not.toBeNull();
    const [before, after] = [Number(m![1]!.replace(/,/g, '')), Number(m![2]!.replace(/,/g, ''))];
    expect(before).toBeGreaterThan(1000);
    expect(after).toBeLessThanOrEqual(1000);
    expect(await page.getByText('an approximation, simplified on this computer').count()).toBe(1);
    // Both meshes are shown in the 3D viewer, counted by it too.
    await expect.poll(async () => page.locator('[data-testid=mesh-result] figcaption').allTextContents(), { timeout: 60_000 })
      .toEqual([expect.stringMatching(/torus-knot\.glb · [\d,]+ (tris|triangles|faces)/), expect.stringMatching(/Simplified here \(approximation\) · [\d,]+ (tris|triangles|faces)/)]);
    await page.screenshot({ path: await screenshotPath('mesh-preview') });
    expect(pageErrors).toEqual([]);
  });
});
